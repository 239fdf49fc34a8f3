from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Finnish unless the visitor chose another language with the switch (a cookie).

    Unlike Django's LocaleMiddleware the browser's Accept-Language is not consulted: the
    practice's own language comes first, and the switch is on every page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
