"""The data-protection officer's records in the staff site, and the audit trail (read-only)."""

from auditlog import admin as auditlog_admin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from axes import admin as axes_admin
from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from privacy.models import ConsentRecord, DataSubjectRequest, ErasureReceipt, ExportRecord
from privacy.registry import AuditEntries, Person, find_everywhere
from privacy.services import save_request


class ReadOnlyEvidence(admin.ModelAdmin):
    """Records that prove what happened: nobody adds, changes or deletes them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyEvidence):
    list_display = ["created_at", "customer", "purpose", "given", "language", "source"]
    list_filter = ["purpose", "given", "language"]
    list_select_related = ["customer"]
    readonly_fields = ["customer", "purpose", "given", "text", "language", "source", "created_at"]


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyEvidence):
    list_display = ["created_at", "kind", "actor", "by_subject", "customers", "request"]
    list_filter = ["kind", "by_subject"]
    list_select_related = ["actor", "request"]


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(ReadOnlyEvidence):
    list_display = ["erased_at", "reason", "actor", "request", "customer_records"]
    list_filter = ["reason"]
    list_select_related = ["actor", "request"]
    fields = ["erased_at", "reason", "actor", "request", "counts"]
    readonly_fields = fields

    @admin.display(description=_("customer records"))
    def customer_records(self, obj):
        return obj.counts.get("customer_records", 0)


class DataSubjectRequestForm(forms.ModelForm):
    class Meta:
        model = DataSubjectRequest
        fields = [
            "kind", "received_on", "channel", "customer", "subject", "verification_method", "verification_result",
            "status", "notes", "outcome", "completed_on", "extension_months", "extension_reason", "subject_told_on",
        ]  # fmt: skip
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "subject_told_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(admin.ModelAdmin):
    form = DataSubjectRequestForm
    list_display = [
        "__str__",
        "kind",
        "received_on",
        "due_on",
        "deadline",
        "status",
        "channel",
        "verification_result",
    ]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["customer"]
    search_fields = ["=id"]
    ordering = ["due_on", "pk"]
    raw_id_fields = ["customer"]
    readonly_fields = ["due_on", "created_at"]
    fieldsets = [
        (None, {"fields": ["kind", "received_on", "channel", "customer", "subject"]}),
        (_("Identity"), {"fields": ["verification_method", "verification_result"]}),
        (_("Handling"), {"fields": ["status", "notes", "outcome", "completed_on"]}),
        (_("Deadline"), {"fields": ["due_on", "extension_months", "extension_reason", "subject_told_on"]}),
        (None, {"fields": ["created_at"]}),
    ]

    @admin.display(description=_("deadline"))
    def deadline(self, obj):
        return {
            "overdue": _("OVERDUE"),
            "due soon": _("due within 7 days"),
            "ok": "",
            "closed": "",
        }[obj.deadline_state(timezone.localdate())]

    def has_delete_permission(self, request, obj=None):
        return False  # the register of requests is kept; erasure empties their identifying fields

    def save_model(self, request, obj, form, change):
        save_request(privacy_request=obj)


# The audit trail is read-only for everyone, superusers included: auditlog's own admin already
# refuses add, change and delete; axes' login records are made read-only here.
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccessLogAdmin(ReadOnlyAdmin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(ReadOnlyAdmin, axes_admin.AccessFailureLogAdmin):
    pass


class PersonFilter(admin.SimpleListFilter):
    """?person=<customer id>: entries about the customer's records (the registry's rule).

    Linked from the customer's page; it offers no list of people, only the one asked for.
    """

    title = _("person")
    parameter_name = "person"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name, "")
        return [(value, _("Customer #%(pk)s") % {"pk": value})] if value.isdigit() else []

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        person = Person(list(Customer.objects.filter(pk=int(self.value()))))
        entries = find_everywhere(person, only={AuditEntries.key})[AuditEntries.key]
        return queryset.filter(pk__in=[entry.pk for entry in entries])


class AuditLogEntryAdmin(auditlog_admin.LogEntryAdmin):
    list_filter = ["action", ResourceTypeFilter, "actor", PersonFilter]


for model, model_admin in [
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (LogEntry, AuditLogEntryAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
