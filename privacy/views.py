"""Public privacy pages: the notice, asking for one's data without a link, and the self-service
actions of a booking's manage link (see, correct, download, withdraw consent, erase)."""

from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms import ContactFields
from bookings.models import Appointment
from bookings.tokens import current_manage_token
from bookings.views import with_manage_link
from customers.contact import EMAIL_MAX_LENGTH, normalise_email
from customers.models import Customer
from inuvet import ratelimit
from privacy.models import ConsentRecord, DataSubjectRequest, ErasureReceipt, VerificationLink
from privacy.services import (
    PrivacyError,
    correct_person,
    erase_person,
    export_person,
    has_consent,
    open_verification_link,
    record_consent,
    record_self_service_request,
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
            "lookup_url": reverse("bookings:lookup"),
            "updated_on": formats.date_format(NOTICE_UPDATED, "DATE_FORMAT"),
        },
    )


def _zip_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.zip"'
    return response


def _upcoming(customers) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            customer__in=customers, status=Appointment.Status.CONFIRMED, start__gt=timezone.now()
        ).select_related("service")
    )


# Without a booking link: a one-time link to the email address --------------------------------------------


class EmailForm(forms.Form):
    email = forms.CharField(
        label=gettext_lazy("Email"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=gettext_lazy("The address you gave when you booked."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("lookup")
def request_data(request):
    """Ask for one's data by email. The answer is the same whether or not we hold any."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        send_verification_link(email=form.cleaned_data["email"], language=get_language())
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
    if ratelimit.over_limit(request, "manage"):
        return ratelimit.too_many_requests(request)
    try:
        link = open_verification_link(token)
    except PrivacyError as error:
        ratelimit.count(request, "manage")
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
            "bookings": [(a, reverse("bookings:manage", args=[a.reference, t])) for a, t in bookings if t],
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
    privacy_request = record_self_service_request(
        kind=DataSubjectRequest.Kind.ACCESS, customer=customers[0], verification="email_link"
    )
    content = export_person(
        customers=customers, by_subject=True, language=get_language(), request=privacy_request
    )
    return _zip_response(content, "inuvet-my-data")


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
    return _erase(request, customers, verification="email_link")


def _erase(request, customers, *, verification: str):
    privacy_request = record_self_service_request(
        kind=DataSubjectRequest.Kind.ERASURE, customer=customers[0], verification=verification
    )
    receipt = erase_person(
        customers=customers, reason=ErasureReceipt.Reason.SELF_SERVICE, request=privacy_request
    )
    return render(request, "privacy/erased.html", {"receipt": receipt})


# With a booking's manage link ------------------------------------------------------------------------------


def _manage_page(appointment, token):
    return redirect(reverse("bookings:manage", args=[appointment.reference, token]))


@require_http_methods(["GET", "POST"])
@with_manage_link
def booking_correct(request, appointment, token):
    customer = appointment.customer
    if customer is None:
        return _manage_page(appointment, token)
    form = ContactFields(
        request.POST or None,
        initial={"name": customer.name, "phone": customer.phone_display, "email": customer.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            correct_person(customer=customer, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your details are corrected."))
            return _manage_page(appointment, token)
    return render(request, "privacy/correct.html", {"form": form, "appointment": appointment, "token": token})


@require_POST
@with_manage_link
def booking_export(request, appointment, token):
    if appointment.customer is None:
        return _manage_page(appointment, token)
    customers = [appointment.customer]  # a booking's link reaches that booking's record only
    privacy_request = record_self_service_request(
        kind=DataSubjectRequest.Kind.ACCESS, customer=appointment.customer, verification="booking_link"
    )
    content = export_person(
        customers=customers, by_subject=True, language=get_language(), request=privacy_request
    )
    return _zip_response(content, f"inuvet-my-data-{appointment.display_reference}")


WITHDRAWAL_TEXT = gettext_lazy("I withdraw my consent to marketing by email.")


@require_POST
@with_manage_link
def booking_withdraw_consent(request, appointment, token):
    customer = appointment.customer
    if customer is not None and has_consent(customer, ConsentRecord.Purpose.MARKETING):
        record_consent(
            customer=customer,
            purpose=ConsentRecord.Purpose.MARKETING,
            given=False,
            text=str(WITHDRAWAL_TEXT),
            language=get_language(),
            source="manage link",
        )
        messages.success(request, _("Your marketing consent is withdrawn. We will not send you marketing."))
    return _manage_page(appointment, token)


@require_http_methods(["GET", "POST"])
@with_manage_link
def booking_erase(request, appointment, token):
    if appointment.customer is None:
        return _manage_page(appointment, token)
    customers = [appointment.customer]  # a booking's link reaches that booking's record only
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        return _erase(request, customers, verification="booking_link")
    return render(
        request,
        "privacy/erase_confirm.html",
        {
            "upcoming": _upcoming(customers),
            "action": reverse("privacy:booking_erase", args=[appointment.reference, token]),
            "back": reverse("bookings:manage", args=[appointment.reference, token]),
        },
    )
