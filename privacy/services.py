"""The only code that writes privacy state: consents, requests, exports, corrections, erasure."""

from customers.models import Customer
from privacy.models import ConsentRecord


def record_consent(
    *, customer: Customer, purpose: str, given: bool, text: str, language: str, source: str
) -> ConsentRecord:
    """Record that the person gave (or withdrew) consent, with the text they saw."""
    return ConsentRecord.objects.create(
        customer=customer, purpose=purpose, given=given, text=text, language=language, source=source
    )


def has_consent(customer: Customer, purpose: str) -> bool:
    latest = customer.consents.filter(purpose=purpose).order_by("-created_at", "-pk").first()
    return bool(latest and latest.given)
