"""Links emailed to a booking's address, which show that whoever uses them holds the address:
confirm the address, confirm marketing consent, confirm a changed address.

Opening a link (GET) changes nothing, so mail scanners that fetch links confirm nothing; the
button on the page (POST) does. A wrong code answers 404 and counts against the client's address
like a wrong booking link.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookings.models import Appointment
from bookings.tokens import link_code
from customers.services import confirm_email as confirm_customer_email
from inuvet import ratelimit
from online.forms import MARKETING_CONSENT_TEXT
from online.manage import appointment_manage_url, with_manage_link
from privacy.services import apply_email_change, confirm_marketing_consent


def _wrong_code(request):
    wait = ratelimit.try_use(request, "manage")
    if wait:
        return ratelimit.too_many_requests(request, wait)
    raise Http404


def _page(request, appointment: Appointment, *, title: str, text: str, button: str):
    return render(
        request,
        "online/confirm_link.html",
        {"appointment": appointment, "title": title, "text": text, "button": button},
    )


@require_http_methods(["GET", "POST"])
@with_manage_link
def confirm_address(request, appointment: Appointment, token: str, code: str):
    customer = appointment.customer
    email = customer.email if customer else ""
    if not email or not constant_time_compare(code, link_code("address", appointment.reference, email)):
        return _wrong_code(request)
    if request.method == "POST":
        confirm_customer_email(customer=customer, email=email)
        messages.success(request, _("Thank you: your email address is confirmed."))
        return redirect(appointment_manage_url(appointment))
    return _page(
        request,
        appointment,
        title=_("Confirm your email address"),
        text=_("Press the button to confirm that %(email)s is your address.") % {"email": email},
        button=_("Confirm my email address"),
    )


@require_http_methods(["GET", "POST"])
@with_manage_link
def confirm_marketing(request, appointment: Appointment, token: str, code: str):
    customer = appointment.customer
    email = customer.email if customer else ""
    if not email or not constant_time_compare(code, link_code("marketing", appointment.reference, email)):
        return _wrong_code(request)
    if request.method == "POST":
        confirm_marketing_consent(
            appointment=appointment, code=code, text=str(MARKETING_CONSENT_TEXT), language=get_language()
        )
        messages.success(request, _("Thank you: we may now send you news and offers by email."))
        return redirect(appointment_manage_url(appointment))
    return _page(
        request,
        appointment,
        title=_("News and offers by email"),
        text=str(MARKETING_CONSENT_TEXT),
        button=_("Yes, send me news and offers"),
    )


@require_http_methods(["GET", "POST"])
@with_manage_link
def confirm_email(request, appointment: Appointment, token: str, code: str):
    customer = appointment.customer
    pending = customer.pending_email if customer else ""
    if not pending or not constant_time_compare(code, link_code("new-email", appointment.reference, pending)):
        return _wrong_code(request)
    if request.method == "POST":
        apply_email_change(appointment=appointment, code=code)
        messages.success(request, _("Your new email address is saved."))
        return redirect(appointment_manage_url(appointment))
    return _page(
        request,
        appointment,
        title=_("Confirm your new email address"),
        text=_("Press the button to make %(email)s the address of your booking.") % {"email": pending},
        button=_("Save my new email address"),
    )
