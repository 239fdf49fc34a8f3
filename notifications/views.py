"""The SMS provider's delivery reports (a webhook). Nothing else of the outbox is on the web."""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.services import record_delivery
from notifications.sms import verify_webhook

# Final states of GatewayAPI's delivery reports; transient ones (BUFFERED, ENROUTE, …) are ignored.
DELIVERED = {"DELIVERED", "ACCEPTED"}
NOT_DELIVERED = {"UNDELIVERABLE", "EXPIRED", "REJECTED", "DELETED", "SKIPPED"}


@csrf_exempt  # the provider signs the report (JWT, HS256, shared secret); it has no CSRF token
@require_POST
def sms_status(request):
    if not settings.SMS_WEBHOOK_SECRET:
        raise Http404
    report = verify_webhook(request.headers.get("X-Gwapi-Signature", ""), settings.SMS_WEBHOOK_SECRET)
    if report is None:
        return HttpResponse("bad signature", status=403, content_type="text/plain")
    try:
        body = json.loads(request.body)
        status, provider_ref = str(body["status"]).upper(), str(body["id"])
        at = datetime.fromtimestamp(int(body.get("time") or 0), tz=UTC)
    except (ValueError, KeyError, TypeError, OverflowError, OSError):
        return HttpResponseBadRequest("bad report", content_type="text/plain")
    if str(report.get("id")) != provider_ref:
        return HttpResponse("signature does not match the report", status=403, content_type="text/plain")
    if status in DELIVERED | NOT_DELIVERED:
        record_delivery(provider_ref=provider_ref, delivered=status in DELIVERED, at=at)
    return HttpResponse("ok", content_type="text/plain")
