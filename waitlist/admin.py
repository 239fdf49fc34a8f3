"""The waiting list in the staff site: counts per service and day for everyone who may see it;
who is waiting only for roles that may see customers (each page shown leaves access entries)."""

from collections import Counter
from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.contact import format_phone
from inuvet.audit import ConfirmedSearch, log_accesses
from waitlist.models import WaitlistEntry

DAYS_SHOWN = 14


def may_see_clients(request) -> bool:
    return request.user.has_perm("customers.view_customer")


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ConfirmedSearch, admin.ModelAdmin):
    list_filter = ["service", "practitioner"]
    list_select_related = ["service", "practitioner"]
    date_hierarchy = "first_day"
    ordering = ["first_day", "created_at"]
    change_list_template = "admin/waitlist/waitlistentry/change_list.html"
    fields = ["service", "practitioner", "first_day", "last_day", "created_at", "name", "phone", "email"]

    def get_list_display(self, request):
        shown = ["service", "practitioner", "first_day", "last_day", "created_at"]
        return [*shown, "name", "phone_display"] if may_see_clients(request) else shown

    def get_fields(self, request, obj=None):
        return self.fields if may_see_clients(request) else self.fields[:5]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_fields(self, request):
        return ["name", "email", "phone"] if may_see_clients(request) else []

    @admin.display(description=_("phone"))
    def phone_display(self, obj):
        return format_phone(obj.phone)

    def accessed_records(self, rows):
        return []  # names are shown (and logged) only where the role may see them: see changelist_view

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, {**(extra_context or {}), "per_day": self.per_day()})
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and may_see_clients(request):
            log_accesses(list(changelist.result_list), "list", term=request.GET.get("q", ""))
        return response

    @staticmethod
    def per_day() -> list[tuple[str, list[tuple[object, int]]]]:
        """(service, [(day, entries waiting for it)]) for the next DAYS_SHOWN days."""
        today = timezone.localdate()
        days = [today + timedelta(days=n) for n in range(DAYS_SHOWN)]
        counts: Counter = Counter()
        names = {}
        for entry in WaitlistEntry.objects.filter(last_day__gte=today).select_related("service"):
            names[entry.service_id] = entry.service.localized_name
            for day in days:
                if entry.first_day <= day <= entry.last_day:
                    counts[entry.service_id, day] += 1
        return [
            (name, [(day, counts[pk, day]) for day in days])
            for pk, name in sorted(names.items(), key=lambda x: x[1])
        ]

    def has_add_permission(self, request):
        return False  # clients join from the booking pages

    def has_change_permission(self, request, obj=None):
        return False
