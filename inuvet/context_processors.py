from django.conf import settings


def practice(request):
    """The controller's details, shown in every page's footer."""
    return {"practice": settings.PRACTICE}
