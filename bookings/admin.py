"""The practice's configuration in the staff site: practitioners and their hours, services, closures.
Appointments and customers are the front desk's (frontdesk/admin.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from bookings.models import Closure, Practitioner, Service, WorkingHours


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
