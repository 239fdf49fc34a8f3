from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bookings.models import Appointment, Closure, Practitioner, Service, WorkingHours
from bookings.schedules import local_tz
from bookings.services import BookingError, cancel_appointment, move_appointment, set_appointment_status
from customers.models import search_condition
from inuvet.audit import log_access, require_permission


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "is_active", "order", "user"]
    list_editable = ["order"]
    list_select_related = ["user"]
    search_fields = ["name", "title"]
    inlines = [WorkingHoursInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "duration",
        "slot_step",
        "min_notice",
        "max_days_ahead",
        "bookable_online",
        "is_active",
    ]
    list_filter = ["bookable_online", "is_active"]
    list_select_related = []
    search_fields = ["name", "name_sv", "name_en"]
    filter_horizontal = ["practitioners"]
    fieldsets = [
        (None, {"fields": ["name", "name_sv", "name_en", "description", "description_sv", "description_en"]}),
        (
            gettext_lazy("Rules"),
            {
                "fields": [
                    "duration",
                    ("buffer_before", "buffer_after"),
                    "slot_step",
                    "min_notice",
                    "max_days_ahead",
                    "cancel_cutoff",
                    "bookable_online",
                    "practitioners",
                ]
            },
        ),
        (None, {"fields": ["is_active", "order"]}),
    ]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "weekday", "start", "end"]
    list_filter = ["practitioner", "weekday"]
    list_select_related = ["practitioner"]
    search_fields = ["practitioner__name"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["start", "end", "practitioner", "reason"]
    list_filter = ["practitioner"]
    list_select_related = ["practitioner"]
    search_fields = ["reason", "practitioner__name"]
    date_hierarchy = "start"


class MoveForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
    )
    practitioner = forms.ModelChoiceField(
        label=gettext_lazy("Practitioner"), queryset=Practitioner.objects.none(), required=False
    )

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = service.practitioners.filter(is_active=True)
        self.fields["practitioner"].empty_label = _("Any practitioner")

    def start(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=local_tz())


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

    def get_urls(self):
        own = [
            path(
                "<int:pk>/status/",
                self.admin_site.admin_view(self.status_view),
                name="bookings_appointment_status",
            ),
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="bookings_appointment_cancel",
            ),
            path(
                "<int:pk>/move/", self.admin_site.admin_view(self.move_view), name="bookings_appointment_move"
            ),
        ]
        return own + super().get_urls()

    def _page(self, appointment):
        return redirect(reverse("admin:bookings_appointment_change", args=[appointment.pk]))

    @method_decorator(require_POST)
    def status_view(self, request, pk):
        require_permission(request, "bookings.change_appointment")
        appointment = get_object_or_404(Appointment, pk=pk)
        try:
            set_appointment_status(appointment=appointment, status=request.POST.get("status", ""))
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Status updated."))
        return self._page(appointment)

    @method_decorator(require_POST)
    def cancel_view(self, request, pk):
        require_permission(request, "bookings.reschedule_appointment")
        appointment = get_object_or_404(Appointment, pk=pk)
        try:
            cancel_appointment(appointment=appointment, by_client=False)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The appointment is cancelled.") + " " + _told(appointment))
        return self._page(appointment)

    def move_view(self, request, pk):
        require_permission(request, "bookings.reschedule_appointment")
        appointment = get_object_or_404(Appointment.objects.select_related("service"), pk=pk)
        form = MoveForm(request.POST or None, service=appointment.service)
        if request.method == "POST" and form.is_valid():
            try:
                move_appointment(
                    appointment=appointment,
                    start=form.start(),
                    practitioner=form.cleaned_data["practitioner"],
                    by_client=False,
                )
            except BookingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The appointment is moved.") + " " + _told(appointment))
                return self._page(appointment)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Move appointment %(reference)s") % {"reference": appointment.display_reference},
            "appointment": appointment,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/bookings/appointment/move.html", context)


def _told(appointment: Appointment) -> str:
    if appointment.customer and appointment.customer.email:
        return _("The client gets an email about it.")
    return _("The client has no email address: please tell them by phone.")
