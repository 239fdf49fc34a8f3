"""Text messages through a provider, chosen by DJANGO_SMS_BACKEND.

`console` (demo: logs that a message would go, never its text or number), `memory` (tests: keeps
the messages in a list) and `gatewayapi` (GatewayAPI's REST API, https://gatewayapi.com, used by
Nordic senders; EU endpoint by default). A provider's `send` returns the provider's id of the
message; it raises SmsRejected when the provider refuses the message for good (a 4xx answer: bad
number, bad sender ID, bad credentials) and SmsUnavailable when another attempt may work (a 5xx
answer, a timeout, no connection). The outbox gives up on the first and retries the second.
"""

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)


class SmsRejected(Exception):
    """The provider refused the message; sending it again would be refused again."""


class SmsUnavailable(Exception):
    """The provider could not take the message now; a later attempt may work."""


@dataclass
class Sms:
    to: str  # E.164
    text: str
    sender: str
    reference: str = ""  # our id of the message, echoed back in delivery reports


class ConsoleSms:
    """For demos: logs that a message would be sent, nothing of its content."""

    def send(self, sms: Sms) -> str:
        logger.info("sms would be sent ref=%s chars=%s", sms.reference, len(sms.text))
        return ""


@dataclass
class MemorySms:
    """For tests: keeps what was sent."""

    sent: list[Sms] = field(default_factory=list)

    def send(self, sms: Sms) -> str:
        self.sent.append(sms)
        return f"memory-{len(self.sent)}"


class GatewayApiSms:
    """POST /rest/mtsms with the API token (HTTP basic auth, token as user name)."""

    def __init__(self, *, url: str, token: str, timeout: float):
        self.url = url.rstrip("/") + "/rest/mtsms"
        self.token = token
        self.timeout = timeout

    def send(self, sms: Sms) -> str:
        body = json.dumps(
            {
                "sender": sms.sender,
                "message": sms.text,
                "recipients": [{"msisdn": int(sms.to.lstrip("+"))}],
                "userref": sms.reference,
            }
        ).encode()
        auth = base64.b64encode(f"{self.token}:".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is our setting, https in production
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            kind = SmsRejected if 400 <= error.code < 500 and error.code != 429 else SmsUnavailable
            raise kind(f"provider answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsUnavailable(type(error).__name__) from None
        except ValueError:
            raise SmsUnavailable("provider answered something that is not JSON") from None
        ids = answer.get("ids") or [""]
        return str(ids[0])


def provider():
    """The provider the settings choose (one per process and configuration)."""
    return _provider(settings.SMS_BACKEND, settings.SMS_API_URL, settings.SMS_API_TOKEN, settings.SMS_TIMEOUT)


@lru_cache(maxsize=4)
def _provider(backend: str, url: str, token: str, timeout: float):
    if backend == "gatewayapi":
        return GatewayApiSms(url=url, token=token, timeout=timeout)
    return MemorySms() if backend == "memory" else ConsoleSms()


def verify_webhook(token: str, secret: str) -> dict | None:
    """The payload of a GatewayAPI webhook's JWT (HS256, X-Gwapi-Signature), or None if not signed
    with our secret."""
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if not hmac.compare_digest(expected, given):
            return None
        if json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("alg") != "HS256":
            return None
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError, AttributeError):
        return None
