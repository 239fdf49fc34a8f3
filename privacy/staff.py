"""The data-protection officer's pages in the admin: dashboard, find a person, export, erase,
linking a person to a request, and the marketing list."""

import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from bookings.models import Appointment
from customers.models import Customer
from inuvet.audit import log_accesses, require_permission
from inuvet.links import is_id
from inuvet.spreadsheets import csv_dialect, safe_cell
from privacy.erasure import erase_person
from privacy.exports import zip_download
from privacy.models import DataSubjectRequest, ErasureReceipt
from privacy.services import PrivacyError, export_marketing_list, export_person, find_people, save_request


def _context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def dashboard(request):
    """Open requests by due date, overdue and due-soon ones marked."""
    require_permission(request, "privacy.view_datasubjectrequest")
    today = timezone.localdate()
    open_requests = list(
        DataSubjectRequest.objects.open().select_related("customer").order_by("due_on", "pk")
    )
    log_accesses([r.customer for r in open_requests], "list")  # the list names the people
    return TemplateResponse(
        request,
        "admin/privacy/dashboard.html",
        _context(
            request,
            _("Data protection"),
            requests=[(r, r.deadline_state(today)) for r in open_requests],
            overdue=sum(r.deadline_state(today) == "overdue" for r in open_requests),
            due_soon=sum(r.deadline_state(today) == "due soon" for r in open_requests),
            receipts=ErasureReceipt.objects.select_related("actor", "request")[:10],
        ),
    )


class SelectionForm(forms.Form):
    customers = forms.ModelMultipleChoiceField(queryset=Customer.objects.all())
    request = forms.ModelChoiceField(
        label=gettext_lazy("For request"), queryset=DataSubjectRequest.objects.all(), required=False
    )


def find_person(request):
    """One search by name, phone (any format), email or booking reference.

    The search is a POST: the term stays out of URLs, and a link cannot run it (and log searches
    of strangers under the name of whoever clicked it).
    """
    require_permission(request, "privacy.find_person")
    query = request.POST.get("q", "") if request.method == "POST" else ""
    people = find_people(query) if len(query.strip()) >= 2 else []
    log_accesses(people, "search", term=query)
    appointments = (
        Appointment.objects.filter(customer__in=people).select_related("service").order_by("-start")
    )
    by_customer: dict[int, list] = {}
    for appointment in appointments:
        by_customer.setdefault(appointment.customer_id, []).append(appointment)
    return TemplateResponse(
        request,
        "admin/privacy/find.html",
        _context(
            request,
            _("Find a person"),
            query=query,
            searched=len(query.strip()) >= 2,
            results=[(person, by_customer.get(person.pk, [])) for person in people],
            requests=DataSubjectRequest.objects.open().order_by("due_on"),
            for_request=_request_from(request),
        ),
    )


def _request_from(request) -> DataSubjectRequest | None:
    value = request.POST.get("for_request") or request.GET.get("for_request") or ""
    return DataSubjectRequest.objects.filter(pk=value).first() if is_id(value) else None


@require_POST
def link_person(request):
    """Tie the chosen customer record to a request (from Find a person)."""
    require_permission(request, "privacy.change_datasubjectrequest")
    privacy_request = _request_from(request)
    customer_id = request.POST.get("customer", "")
    customer = Customer.objects.filter(pk=customer_id).first() if is_id(customer_id) else None
    if privacy_request is None or customer is None:
        messages.error(request, _("Choose the person and the request."))
        return redirect(reverse("admin:privacy_find"))
    privacy_request.customer = customer
    save_request(privacy_request=privacy_request)
    messages.success(request, _("The person is linked to the request."))
    return redirect(reverse("admin:privacy_datasubjectrequest_change", args=[privacy_request.pk]))


def _selection(request) -> SelectionForm:
    form = SelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one customer record."))
    return form


@require_POST
def export(request):
    require_permission(request, "privacy.export_person")
    form = _selection(request)
    if not form.is_valid():
        return redirect(reverse("admin:privacy_find"))
    customers = list(form.cleaned_data["customers"])
    try:
        content = export_person(
            customers=customers,
            actor=request.user,
            language=_language_of(customers),
            request=form.cleaned_data["request"],
        )
    except PrivacyError as error:
        messages.error(request, error.message)
        return redirect(reverse("admin:privacy_find"))
    return zip_download(content, "inuvet-export")


def _language_of(customers) -> str:
    """The person's language: that of their latest booking (Finnish when there is none)."""
    latest = Appointment.objects.filter(customer__in=customers).order_by("-created_at").first()
    return latest.language if latest is not None else "fi"


@require_http_methods(["POST"])
def erase(request):
    """Confirm (shows what will happen), then erase in one transaction and show the receipt."""
    require_permission(request, "privacy.erase_person")
    form = _selection(request)
    if not form.is_valid():
        return redirect(reverse("admin:privacy_find"))
    customers = list(form.cleaned_data["customers"])
    if request.POST.get("confirm") != "yes":
        upcoming = (
            Appointment.objects.confirmed()
            .upcoming()
            .filter(customer__in=customers)
            .select_related("service")
        )
        return TemplateResponse(
            request,
            "admin/privacy/erase_confirm.html",
            _context(request, _("Erase a person's data"), customers=customers, upcoming=upcoming, form=form),
        )
    receipt = erase_person(
        customers=customers,
        reason=ErasureReceipt.Reason.REQUEST,
        actor=request.user,
        request=form.cleaned_data["request"],
    )
    messages.success(request, _("The data is erased. The receipt is below."))
    return redirect(reverse("admin:privacy_erasurereceipt_change", args=[receipt.pk]))


def marketing_list(request):
    """The only marketing export: currently consenting clients, as CSV; the export is recorded."""
    require_permission(request, "privacy.export_marketing_list")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="inuvet-marketing-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # the byte-order mark that makes Excel read UTF-8 (ä, ö) correctly
    writer = csv.writer(response, **csv_dialect(request.GET.get("format", "")))
    writer.writerow([_("name"), _("email"), _("phone")])
    for customer in export_marketing_list(actor=request.user):
        writer.writerow([safe_cell(customer.name), safe_cell(customer.email), customer.phone])
    return response
