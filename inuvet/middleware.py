import time

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.utils import translation

from inuvet.ratelimit import client_ip


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


class StaffSessionTimeoutMiddleware:
    """Signs staff out after STAFF_IDLE_TIMEOUT seconds without a request, and SESSION_COOKIE_AGE
    seconds after signing in however busy they are (saving a session renews its expiry, so the
    absolute limit is kept here too)."""

    SINCE, LAST_SEEN = "staff_since", "staff_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # Nobody is signed in without a session cookie. Asking would read the session and
            # mark every public page "Vary: Cookie", which keeps shared caches from storing it.
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            since, last_seen = session.get(self.SINCE, now), session.get(self.LAST_SEEN, now)
            if now - last_seen > settings.STAFF_IDLE_TIMEOUT or now - since > settings.SESSION_COOKIE_AGE:
                logout(request)
            elif self.SINCE not in session or now - last_seen >= 60:
                session[self.SINCE], session[self.LAST_SEEN] = since, now  # saved at most once a minute
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answers /healthz before host checks and HTTPS redirects: load balancers and Docker's
    health check ask over plain http with whatever Host header they have."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from inuvet.views import healthz

            return healthz(request)
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses request bodies over MAX_REQUEST_BYTES with 413 before anything reads them.

    Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) skips file parts; no page here takes files.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return HttpResponse(
                "Request body too large.", status=413, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class StaffAuditMiddleware(AuditlogMiddleware):
    """auditlog's actor and address for audit entries, recorded for signed-in staff only.

    A client's address is personal data the register does not keep; staff addresses come from
    our own proxy's header (inuvet.ratelimit.client_ip), never from a header a client can forge.
    """

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # Nobody is signed in without a session: nothing to attribute, and the busiest public
            # pages skip auditlog's per-request signal wiring.
            return self.get_response(request)
        return super().__call__(request)

    def get_extra_data(self, request):
        data = super().get_extra_data(request)
        staff = data["actor"] is not None
        data["remote_addr"] = client_ip(request) if staff else None
        data["remote_port"] = None
        return data
