"""The front desk's model pages: appointments (read-only; every change is an action that goes
through the booking services) and customers."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy

from bookings.models import Appointment
from customers.models import Customer, search_condition
from customers.services import create_customer, update_customer
from frontdesk.forms import CustomerForm, MoveForm
from inuvet.audit import log_access


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only pages; every change goes through the booking services (buttons on the page)."""

    list_display = ["display_reference", "start", "service", "practitioner", "status", "source"]
    list_filter = [("start", admin.DateFieldListFilter), "practitioner", "service", "status", "source"]
    list_select_related = ["service", "practitioner"]
    search_fields = ["reference", "customer__name", "customer__email"]
    date_hierarchy = "start"
    ordering = ["-start"]
    fields = [
        "display_reference",
        "status",
        "service",
        "practitioner",
        "start",
        "end",
        "source",
        "customer_name",
        "customer_phone",
        "customer_email",
        "message",
        "language",
        "created_at",
        "cancelled_at",
    ]
    readonly_fields = fields

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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appointment = self.get_object(request, object_id)
        if (
            appointment is not None
            and request.method == "GET"
            and self.has_view_permission(request, appointment)
        ):
            log_access(appointment)
            if appointment.customer:
                log_access(appointment.customer)
        extra = {
            **(extra_context or {}),
            "can_set_status": request.user.has_perm("bookings.change_appointment"),
            "can_reschedule": request.user.has_perm("bookings.reschedule_appointment"),
            "statuses": [
                (value, label)
                for value, label in Appointment.Status.choices
                if value not in {Appointment.Status.CANCELLED, getattr(appointment, "status", None)}
            ],
            "move_form": MoveForm(
                service=appointment.service,
                initial={
                    "date": timezone.localtime(appointment.start).date(),
                    "time": timezone.localtime(appointment.start).time(),
                    "practitioner": appointment.practitioner,
                },
            )
            if appointment
            else None,
        }
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


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ["name", "phone_display", "email", "created_at"]
    list_select_related = []
    search_fields = ["name", "email"]
    search_help_text = gettext_lazy("Name, email, or phone in any format.")
    ordering = ["name", "pk"]
    inlines = [AppointmentInline]

    @admin.display(description=gettext_lazy("phone"), ordering="phone")
    def phone_display(self, obj):
        return obj.phone_display

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return queryset.filter(search_condition(search_term)), False

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
