"""The data-protection officer's records in the staff site, and the audit trail (read-only), all in
the reader's language: the audit log's and the sign-in records' pages are our own, not the English
ones of django-auditlog and django-axes."""

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from inuvet import audit_display
from inuvet.audit import log_accesses
from inuvet.links import is_id
from privacy.models import ConsentRecord, DataSubjectRequest, ErasureReceipt, ExportRecord
from privacy.registry import AuditEntries, Person, find_everywhere, receipt_lines
from privacy.services import save_request

# Third-party models and apps named in the reader's language (their packages have no Finnish).
# Only the names shown are set: the models' options in migrations are untouched.
for _model, _one, _many in [
    (LogEntry, _("audit entry"), _("audit log")),
    (AccessLog, _("sign-in"), _("sign-ins and sign-outs")),
    (AccessFailureLog, _("failed sign-in"), _("failed sign-ins")),
    (AccessAttempt, _("sign-in lock"), _("sign-in locks")),
]:
    _model._meta.verbose_name, _model._meta.verbose_name_plural = _one, _many
apps.get_app_config("axes").verbose_name = _("Staff sign-ins")
apps.get_app_config("auditlog").verbose_name = _("Audit log")


class ReadOnlyEvidence(admin.ModelAdmin):
    """Records that prove what happened: nobody adds, changes or deletes them by hand."""

    def has_add_permission(self, request, obj=None):
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
    fields = ["erased_at", "reason", "actor", "request", "what_was_erased"]
    readonly_fields = fields

    @admin.display(description=_("customer records"))
    def customer_records(self, obj):
        return obj.counts.get("customer_records", 0)

    @admin.display(description=_("what was erased"))
    def what_was_erased(self, obj):
        lines = receipt_lines(obj.counts)
        if not lines:
            return _("Nothing was left to erase.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))


class PersonWidget(forms.HiddenInput):
    """The request's person: chosen on Find a person, shown by name; never a number to type."""

    def render(self, name, value, attrs=None, renderer=None):
        hidden = super().render(name, value, attrs, renderer)
        customer = Customer.objects.filter(pk=value).first() if is_id(str(value or "")) else None
        shown = (
            format_html("<strong>{}</strong> · {}", customer.name, customer.phone_display)
            if customer
            else _("Not linked to a customer record yet.")
        )
        return format_html('{}<span class="person-picked">{}</span>', hidden, shown)


class DataSubjectRequestForm(forms.ModelForm):
    class Meta:
        model = DataSubjectRequest
        fields = [
            "kind", "received_on", "channel", "customer", "subject", "verification_method", "verification_result",
            "status", "notes", "outcome", "completed_on", "extension_months", "extension_reason", "subject_told_on",
        ]  # fmt: skip
        widgets = {
            "customer": PersonWidget,
            "received_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "subject_told_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "customer": _("Link the person from Find a person (“Record a request” or “Link to request”)."),
        }


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(admin.ModelAdmin):
    form = DataSubjectRequestForm
    list_display = [
        "__str__",
        "person",
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
    readonly_fields = ["due_on", "created_at"]
    fieldsets = [
        (None, {"fields": ["kind", "received_on", "channel", "customer", "subject"]}),
        (_("Identity"), {"fields": ["verification_method", "verification_result"]}),
        (_("Handling"), {"fields": ["status", "notes", "outcome", "completed_on"]}),
        (_("Deadline"), {"fields": ["due_on", "extension_months", "extension_reason", "subject_told_on"]}),
        (None, {"fields": ["created_at"]}),
    ]

    @admin.display(description=_("whose"))
    def person(self, obj):
        if obj.customer is not None:
            return obj.customer.name
        if getattr(obj, "was_erased", False):
            return _("erased")
        return obj.subject or "—"

    @admin.display(description=_("deadline"))
    def deadline(self, obj):
        return {
            "overdue": _("OVERDUE"),
            "due soon": _("due within 7 days"),
            "ok": "",
            "closed": "",
        }[obj.deadline_state(timezone.localdate())]

    def get_queryset(self, request):
        erased = ErasureReceipt.objects.filter(request=OuterRef("pk"))
        return super().get_queryset(request).annotate(was_erased=Exists(erased))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if is_id(request.GET.get("customer", "")):
            initial["customer"] = request.GET["customer"]
        return initial

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # the list names people: an access entry for each one shown
            log_accesses([r.customer for r in changelist.result_list], "list")
        return response

    def has_delete_permission(self, request, obj=None):
        return False  # the register of requests is kept; erasure empties their identifying fields

    def save_model(self, request, obj, form, change):
        save_request(privacy_request=obj)


# The audit trail is read-only for everyone, superusers included: no page adds, changes or deletes.
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SignInRecordAdmin(ReadOnlyAdmin):
    """Sign-in records of django-axes, with our own words and local times."""

    date_hierarchy = "attempt_time"
    search_fields = ["username"]
    ordering = ["-attempt_time"]

    @admin.display(description=_("time"), ordering="attempt_time")
    def when(self, obj):
        return audit_display.local_time(obj.attempt_time)

    @admin.display(description=_("user name"), ordering="username")
    def user_name(self, obj):
        return obj.username or "—"

    @admin.display(description=_("address"))
    def address(self, obj):
        return obj.ip_address or "—"

    @admin.display(description=_("browser"))
    def browser(self, obj):
        return obj.user_agent or "—"

    @admin.display(description=_("page"))
    def page(self, obj):
        return obj.path_info or "—"


class AccessLogAdmin(SignInRecordAdmin):
    list_display = ["when", "user_name", "signed_out", "address", "page"]
    fields = ["when", "user_name", "signed_out", "address", "browser", "page"]
    readonly_fields = fields

    @admin.display(description=_("signed out"), ordering="logout_time")
    def signed_out(self, obj):
        return audit_display.local_time(obj.logout_time)


class LockedOutFilter(admin.SimpleListFilter):
    title = _("locked out")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(locked_out=self.value() == "yes")
        return queryset


class AccessFailureLogAdmin(SignInRecordAdmin):
    list_display = ["when", "user_name", "locked", "address", "page"]
    list_filter = [LockedOutFilter]
    fields = ["when", "user_name", "locked", "address", "browser", "page"]
    readonly_fields = fields

    @admin.display(description=_("locked out"), boolean=True)
    def locked(self, obj):
        return obj.locked_out


class AccessAttemptAdmin(SignInRecordAdmin):
    """Locks in force: the administrator lifts one by deleting it (the record of failures stays)."""

    list_display = ["when", "user_name", "failures", "state", "address"]
    fields = ["when", "user_name", "failures", "state", "address", "browser", "page"]
    readonly_fields = fields
    actions = ["delete_selected"]

    @admin.display(description=_("failed attempts"), ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.failures_since_start >= settings.AXES_FAILURE_LIMIT:
            return _("locked")
        return _("%(left)d attempts left") % {"left": settings.AXES_FAILURE_LIMIT - obj.failures_since_start}

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


class PersonFilter(admin.SimpleListFilter):
    """?person=<customer id>: entries about the customer's records (the registry's rule).

    Linked from the customer's page; it offers no list of people, only the one asked for.
    """

    title = _("person")
    parameter_name = "person"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name, "")
        return [(value, _("Customer #%(pk)s") % {"pk": value})] if is_id(value) else []

    def queryset(self, request, queryset):
        if not is_id(self.value() or ""):
            return queryset
        person = Person(list(Customer.objects.filter(pk=int(self.value()))))
        entries = find_everywhere(person, only={AuditEntries.key})[AuditEntries.key]
        return queryset.filter(pk__in=[entry.pk for entry in entries])


class ActionFilter(admin.SimpleListFilter):
    title = _("what")
    parameter_name = "action__exact"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in audit_display.ACTIONS.items()]

    def queryset(self, request, queryset):
        actions = {str(value) for value in audit_display.ACTIONS}  # "0" is "created"
        return queryset.filter(action=self.value()) if self.value() in actions else queryset


class RecordTypeFilter(admin.SimpleListFilter):
    title = _("kind of record")
    parameter_name = "resource_type"

    def lookups(self, request, model_admin):
        types = ContentType.objects.filter(
            pk__in=LogEntry.objects.order_by().values("content_type_id").distinct()
        )
        return sorted(
            ((str(t.pk), str(t.model_class()._meta.verbose_name)) for t in types if t.model_class()),
            key=lambda pair: pair[1],
        )

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if is_id(self.value() or "") else queryset


class ActorFilter(admin.SimpleListFilter):
    title = _("staff user")
    parameter_name = "actor__id__exact"

    def lookups(self, request, model_admin):
        actors = (
            LogEntry.objects.filter(actor__isnull=False).order_by().values_list("actor_id", "actor__username")
        )
        return sorted({(str(pk), name) for pk, name in actors.distinct()}, key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(actor_id=self.value()) if is_id(self.value() or "") else queryset


class AuditLogEntryAdmin(ReadOnlyAdmin):
    """Who did what to which record, and when (local time); personal values are masked (•••)."""

    list_display = ["when", "who", "what", "record", "fields_changed"]
    list_filter = [ActionFilter, RecordTypeFilter, ActorFilter, PersonFilter]
    list_select_related = ["content_type", "actor"]
    search_fields = ["object_repr", "actor__username"]
    date_hierarchy = "timestamp"
    ordering = ["-timestamp", "-pk"]
    fields = ["when", "who", "what", "record", "address", "changes_table"]
    readonly_fields = fields

    @admin.display(description=_("time"), ordering="timestamp")
    def when(self, obj):
        return audit_display.local_time(obj.timestamp)

    @admin.display(description=_("staff user"))
    def who(self, obj):
        return obj.actor.get_username() if obj.actor else _("the client or the system")

    @admin.display(description=_("what"))
    def what(self, obj):
        return audit_display.action_label(obj)

    @admin.display(description=_("record"))
    def record(self, obj):
        return audit_display.record_label(obj)

    @admin.display(description=_("changed"))
    def fields_changed(self, obj):
        return audit_display.changed_fields(obj)

    @admin.display(description=_("address"))
    def address(self, obj):
        return obj.remote_addr or "—"

    @admin.display(description=_("changes"))
    def changes_table(self, obj):
        rows = audit_display.changes(obj)
        if not rows:
            return "—"
        header = format_html(
            "<tr><th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th></tr>",
            _("field"),
            _("before"),
            _("after"),
        )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table>{}{}</table>", header, body)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entry = self.get_object(request, object_id)
        title = f"{audit_display.record_label(entry)}: {audit_display.action_label(entry)}" if entry else None
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "title": title})


for model, model_admin in [
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (AccessAttempt, AccessAttemptAdmin),
    (LogEntry, AuditLogEntryAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
