"""What an export (GDPR Art. 15 and 20) contains: everything held about a person, as JSON for
machines and as an HTML page for people, in one zip, built from the registry of where personal
data lives. Reading only; privacy.services writes."""

import io
import json
import zipfile

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Customer
from privacy.registry import REGISTRY, Person, find_everywhere, when


def article_15_information() -> dict[str, str]:
    """The information Art. 15(1) owes the person, in the active language (as the notice says)."""
    return {
        "purposes": _(
            "Handling your bookings and our customer relationship, providing and developing the service, "
            "and anonymous analysis, reporting and statistics."
        ),
        "legal_bases": _(
            "Contract (GDPR Art. 6(1)(b)) for bookings; legitimate interest (Art. 6(1)(f)) for statistics, "
            "developing the service and information security; consent (Art. 6(1)(a)) for marketing."
        ),
        "recipients": _(
            "No one outside the practice without your consent. Processors acting for us: the email delivery "
            "provider and the server provider."
        ),
        "retention": _(
            "Until you delete your data or ask us to, unless the privacy notice states a retention period. "
            "Bookings remain as anonymous statistics."
        ),
        "rights": _(
            "Access, rectification, erasure, restriction, objection, data portability, withdrawal of consent, "
            "and a complaint to the Data Protection Ombudsman (tietosuoja.fi)."
        ),
        "source": _("You, through the booking form, or our staff when you booked by phone or at the desk."),
        "automated_decisions": _("None."),
    }


def person_data(customers: list[Customer], *, language: str) -> dict:
    """Everything held about the person whose customer records these are: one section per location
    of the registry, in the person's language."""
    with translation.override(language):
        person = Person(customers)
        found = find_everywhere(person)
        data = {
            "generated_at": when(timezone.now()),
            "controller": {
                k: settings.PRACTICE[k] for k in ("name", "business_id", "address", "email", "phone")
            },
            "register": settings.PRACTICE["register_name"],
            "information": article_15_information(),
        }
        for location in REGISTRY:
            data[location.key] = location.export(found[location.key])
        data["sections"] = [
            {"key": location.key, "title": str(location.title), "explanation": str(location.explanation)}
            for location in REGISTRY
        ]
        return data


def export_zip(data: dict, *, language: str) -> bytes:
    """data.json (machine-readable, for portability) and index.html (for reading) in one zip."""
    with translation.override(language):
        html = render_to_string("privacy/export.html", {"data": data, "LANGUAGE_CODE": language})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("index.html", html)
    return buffer.getvalue()


def zip_download(content: bytes, name: str) -> HttpResponse:
    """The zip as a download, dated, never cached."""
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.zip"'
    response["Cache-Control"] = "no-store"
    return response
