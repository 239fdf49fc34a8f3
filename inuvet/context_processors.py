from django.conf import settings


def practice(request):
    """The controller's details, shown in every page's footer, and the practice's colour rule."""
    return {"practice": settings.PRACTICE, "practice_style": settings.PRACTICE_STYLE}
