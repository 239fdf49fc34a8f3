"""The front desk's model pages: appointments (read-only; every change is an action that goes
through the booking services) and customers. Lists of people leave access entries, and a search
reached by a link is confirmed first (inuvet.audit.ConfirmedSearch)."""

from auditlog.models import LogEntry
from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from bookings.models import Appointment
from bookings.prices import booked_price
from bookings.staff_rules import status_allowed_from
from customers.models import Customer, search_condition
from customers.services import create_customer, update_customer
from frontdesk.forms import CustomerForm, MoveForm
from inuvet import audit_display
from inuvet.audit import ConfirmedSearch, log_access
from notifications.models import OutboxMessage
from privacy.models import DataSubjectRequest
from privacy.services import save_request


@admin.register(Appointment)
class AppointmentAdmin(ConfirmedSearch, admin.ModelAdmin):
    """Read-only pages; every change goes through the booking services (buttons on the page)."""

    list_display = ["display_reference", "start", "service", "practitioner", "status", "source"]
    list_filter = [("start", admin.DateFieldListFilter), "practitioner", "service", "status", "source"]
    list_select_related = ["service", "practitioner"]
    search_fields = ["reference", "customer__name", "customer__email"]
    search_help_text = gettext_lazy("Booking reference, or the client's name, email or phone.")
    list_access_always = False  # the rows show no person; a search by a person's details does
    date_hierarchy = "start"
    ordering = ["-start"]
    fields = [
        "display_reference",
        "status",
        "service",
        "species",
        "animal_name",
        "price_at_booking",
        "practitioner",
        "start",
        "end",
        "source",
        "customer_name",
        "customer_phone",
        "customer_email",
        "message",
        "language",
        "override_reason",
        "created_at",
        "cancelled_at",
        "cancelled_by",
        "cancel_reason",
        "messages_to_client",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("messages to the client"))
    def messages_to_client(self, obj):
        """Each email and text message about this booking: what, when, and whether it arrived."""
        rows = OutboxMessage.objects.filter(reference=obj.reference, customer__isnull=False).order_by(
            "created_at"
        )
        lines = [
            format_html(
                "{} · {} · {}{}",
                message.get_channel_display(),
                message.kind_label,
                message.get_status_display(),
                format_html(
                    " {}", formats.date_format(timezone.localtime(message.sent_at), "SHORT_DATETIME_FORMAT")
                )
                if message.sent_at
                else "",
            )
            + (format_html(" · {}", message.get_delivery_display()) if message.delivery else "")
            for message in rows
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) if lines else "—"

    @admin.display(description=gettext_lazy("price at booking"))
    def price_at_booking(self, obj):
        line = booked_price(obj)
        if not line.text:
            return "—"
        return format_html("{} + {}", line.text, line.fee) if line.fee else line.text

    @admin.display(description=gettext_lazy("booking reference"), ordering="reference")
    def display_reference(self, obj):
        return obj.display_reference

    @admin.display(description=gettext_lazy("client's name"))
    def customer_name(self, obj):
        return obj.customer.name if obj.customer else "—"

    @admin.display(description=gettext_lazy("client's phone"))
    def customer_phone(self, obj):
        return obj.customer.phone_display if obj.customer else "—"

    @admin.display(description=gettext_lazy("client's email"))
    def customer_email(self, obj):
        return (obj.customer.email or "—") if obj.customer else "—"

    def get_fields(self, request, obj=None):
        hidden = set()
        if obj is not None and not obj.override_reason:
            hidden.add("override_reason")
        if obj is not None and obj.status != Appointment.Status.CANCELLED:
            hidden |= {"cancelled_at", "cancelled_by", "cancel_reason"}
        return [field for field in self.fields if field not in hidden]

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        reference = "".join(ch for ch in search_term.upper() if ch.isalnum())
        return queryset.filter(search_condition(search_term, "customer__") | Q(reference=reference)), False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service", "practitioner", "customer")

    def has_change_permission(self, request, obj=None):
        return False  # no edit form: status, move and cancel are actions on the page

    def has_delete_permission(self, request, obj=None):
        return False  # cancelling is a status change; erasure anonymises

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect("admin:calendar_book")  # bookings are made on the calendar's form

    def _statuses(self, appointment) -> tuple[list, list[str]]:
        """The status buttons allowed now, and when the others will be."""
        now = timezone.now()
        allowed, later = [], []
        for value, label in Appointment.Status.choices:
            if value in {Appointment.Status.CANCELLED, appointment.status}:
                continue
            since = status_allowed_from(appointment, value)
            if since is None or since <= now:
                allowed.append((value, label))
            else:
                when = formats.date_format(timezone.localtime(since), "SHORT_DATETIME_FORMAT")
                later.append(f"{label}: {when}")
        return allowed, later

    def _history(self, appointment) -> list[dict]:
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Appointment), object_pk=str(appointment.pk)
        ).select_related("actor", "content_type")
        return [
            {
                "when": audit_display.local_time(entry.timestamp),
                "who": entry.actor.get_username()
                if entry.actor
                else gettext_lazy("the client or the system"),
                "what": audit_display.action_label(entry),
                "changes": audit_display.changes(entry),
            }
            for entry in entries.exclude(action=LogEntry.Action.ACCESS).order_by("timestamp", "pk")
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appointment = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if appointment is not None and self.has_view_permission(request, appointment):
            if request.method == "GET":
                log_access(appointment)
                if appointment.customer:
                    log_access(appointment.customer)
            statuses, later = self._statuses(appointment)
            extra.update(
                can_set_status=request.user.has_perm("bookings.change_appointment"),
                can_reschedule=request.user.has_perm("bookings.reschedule_appointment"),
                statuses=statuses,
                statuses_later=later,
                history=self._history(appointment),
                move_form=MoveForm.for_appointment(appointment),
            )
        return super().change_view(request, object_id, form_url, extra)


class AppointmentInline(admin.TabularInline):
    model = Appointment
    fields = ["reference", "start", "service", "practitioner", "status", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-start"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service", "practitioner")

    def has_add_permission(self, request, obj=None):
        return False


class CorrectionForm(CustomerForm):
    """The customer's details; the data-protection officer can tie a correction to the
    rectification request it answers (the request is completed with it)."""

    rectification = forms.ModelChoiceField(
        label=gettext_lazy("Answers the request"),
        queryset=DataSubjectRequest.objects.none(),
        required=False,
        help_text=gettext_lazy("Choose the rectification request this correction answers: it is completed."),
    )


@admin.register(Customer)
class CustomerAdmin(ConfirmedSearch, admin.ModelAdmin):
    form = CorrectionForm
    list_display = ["name", "phone_display", "email", "created_at"]
    list_select_related = []
    search_fields = ["name", "email"]
    search_help_text = gettext_lazy("Name, email, phone in any format, or a booking reference.")
    ordering = ["name", "pk"]
    inlines = [AppointmentInline]

    @admin.display(description=gettext_lazy("phone"), ordering="phone")
    def phone_display(self, obj):
        return obj.phone_display

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return queryset.filter(pk__in=Customer.objects.search(search_term).values("pk")), False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not request.user.has_perm("privacy.change_datasubjectrequest"):
            form.base_fields.pop("rectification", None)
        else:
            form.base_fields["rectification"].queryset = DataSubjectRequest.objects.open().filter(
                kind=DataSubjectRequest.Kind.RECTIFICATION
            )
        return form

    def get_fields(self, request, obj=None):
        fields = ["name", "phone", "email"]
        return (
            [*fields, "rectification"]
            if request.user.has_perm("privacy.change_datasubjectrequest")
            else fields
        )

    def has_delete_permission(self, request, obj=None):
        return False  # a person's data is erased by the data-protection officer, with a receipt

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, object_id)
        if customer is not None and request.method == "GET" and self.has_view_permission(request, customer):
            log_access(customer)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        details = {field: form.cleaned_data[field] for field in ("name", "phone", "email")}
        if change:
            update_customer(customer=obj, **details)
        else:
            obj.pk = create_customer(**details).pk
        answered = form.cleaned_data.get("rectification")
        if answered is not None:
            answered.customer = answered.customer or obj
            answered.status = DataSubjectRequest.Status.COMPLETED
            answered.outcome = (answered.outcome + "\n" if answered.outcome else "") + str(
                gettext_lazy("Details corrected in the register.")
            )
            save_request(privacy_request=answered)

    def response_change(self, request, obj):
        """After a correction, back to the person, not to a list of every customer."""
        if "_addanother" in request.POST:
            return super().response_change(request, obj)
        self.message_user(request, gettext_lazy("The details are saved."))
        return redirect(reverse("admin:customers_customer_change", args=[obj.pk]))
