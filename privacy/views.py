"""Public privacy pages: the notice, and asking for one's data without a booking's link (a one-time
link to the email address, then download or delete). With a booking's link: online/manage.py."""

from datetime import date

from django import forms
from django.conf import settings
from django.core import signing
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.models import Appointment
from bookings.tokens import current_manage_token
from customers.forms import ContactCleaning, email_field
from customers.models import Customer
from inuvet import ratelimit
from inuvet.background import after_response
from privacy.exports import zip_download
from privacy.models import DataSubjectRequest, VerificationLink
from privacy.services import (
    PrivacyError,
    erase_by_subject,
    export_by_subject,
    open_verification_link,
    send_verification_link,
)

NOTICE_UPDATED = date(2026, 11, 25)  # change with the notice's text
GRANT_SALT = "privacy.verified-email"
GRANT_MAX_AGE = 30 * 60


def notice(request):
    language = get_language() if get_language() in {"fi", "sv", "en"} else "fi"
    return render(
        request,
        "privacy/notice.html",
        {
            "notice_template": f"privacy/notice_{language}.html",
            "dpo_email": settings.DPO_EMAIL,
            "retention_years": settings.RETENTION_YEARS,
            "outbox_keep_days": settings.OUTBOX_KEEP_DAYS,
            "request_url": reverse("privacy:request"),
            "lookup_url": reverse("online:lookup"),
            "updated_on": formats.date_format(NOTICE_UPDATED, "DATE_FORMAT"),
        },
    )


def _upcoming(customers) -> list[Appointment]:
    return list(
        Appointment.objects.confirmed().upcoming().filter(customer__in=customers).select_related("service")
    )


# Without a booking link: a one-time link to the email address --------------------------------------------


class EmailForm(ContactCleaning, forms.Form):
    email = email_field(help_text=gettext_lazy("The address you gave when you booked."))


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("lookup")
def request_data(request):
    """Ask for one's data by email. The answer is the same whether or not we hold any."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Whether we hold data for the address is found out after the response: same time either way.
        after_response(send_verification_link, email=form.cleaned_data["email"], language=get_language())
        return render(request, "privacy/request_sent.html")
    return render(request, "privacy/request.html", {"form": form})


def _grant_for(link: VerificationLink) -> str:
    return signing.dumps(link.pk, salt=GRANT_SALT)


def _customers_for_grant(request) -> list[Customer] | None:
    """The customers a verified visitor may act for, from the signed grant on the form."""
    try:
        link_pk = signing.loads(request.POST.get("grant", ""), salt=GRANT_SALT, max_age=GRANT_MAX_AGE)
    except signing.BadSignature:
        return None
    link = VerificationLink.objects.filter(pk=link_pk).first()
    return list(Customer.objects.filter(email=link.email)) if link else None


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request, token: str):
    """The one-time link. Opening it (GET) uses nothing up, so that mail scanners that fetch
    links do not spend it; the button (POST) does, and shows every booking of the email."""
    if request.method == "GET":
        return render(request, "privacy/verify.html")
    try:
        link = open_verification_link(token)
    except PrivacyError as error:
        # Only wrong links count against the address: its owner's valid link always opens.
        wait = ratelimit.try_use(request, "manage")
        if wait:
            return ratelimit.too_many_requests(request, wait)
        return render(request, "privacy/link_invalid.html", {"message": error.message}, status=410)
    customers = list(Customer.objects.filter(email=link.email))
    appointments = (
        Appointment.objects.filter(customer__in=customers).select_related("service").order_by("-start")
    )
    bookings = [(a, current_manage_token(a)) for a in appointments]
    return render(
        request,
        "privacy/verified.html",
        {
            "customers": customers,
            "bookings": [(a, reverse("online:manage", args=[a.reference, t])) for a, t in bookings if t],
            "grant": _grant_for(link),
            "upcoming": _upcoming(customers),
        },
    )


@never_cache
@require_POST
def verified_export(request):
    customers = _customers_for_grant(request)
    if not customers:
        return render(
            request, "privacy/link_invalid.html", {"message": _("Please ask for a new link.")}, status=410
        )
    content = export_by_subject(
        customers=customers,
        verification=DataSubjectRequest.Verification.EMAIL_LINK,
        language=get_language(),
    )
    return zip_download(content, "inuvet-my-data")


@never_cache
@require_POST
def verified_erase(request):
    customers = _customers_for_grant(request)
    if not customers:
        return render(
            request, "privacy/link_invalid.html", {"message": _("Please ask for a new link.")}, status=410
        )
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "privacy/erase_confirm.html",
            {
                "upcoming": _upcoming(customers),
                "grant": request.POST["grant"],
                "action": reverse("privacy:verified_erase"),
            },
        )
    receipt = erase_by_subject(customers=customers, verification=DataSubjectRequest.Verification.EMAIL_LINK)
    return render(request, "privacy/erased.html", {"receipt": receipt})
