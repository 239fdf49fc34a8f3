"""Admin registrations that belong to no app of ours: the audit trail, read-only."""

from auditlog import admin as auditlog_admin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from axes import admin as axes_admin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from inuvet import roles


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
    """?person=<customer id>: entries about the customer, their appointments and consents.

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
        from bookings.models import Appointment
        from customers.models import Customer
        from privacy.models import ConsentRecord

        customer_id = int(self.value())
        objects = Q(content_type=ContentType.objects.get_for_model(Customer), object_pk=str(customer_id))
        for model, ids in [
            (Appointment, Appointment.objects.filter(customer_id=customer_id).values_list("pk", flat=True)),
            (
                ConsentRecord,
                ConsentRecord.objects.filter(customer_id=customer_id).values_list("pk", flat=True),
            ),
        ]:
            objects |= Q(
                content_type=ContentType.objects.get_for_model(model), object_pk__in=[str(pk) for pk in ids]
            )
        return queryset.filter(objects)


class AuditLogEntryAdmin(auditlog_admin.LogEntryAdmin):
    list_filter = ["action", ResourceTypeFilter, "actor", PersonFilter]


# Second-factor devices are managed on the staff user's own 2FA page, and reset by the
# administrator with the action on the user list; their raw admin pages are not offered.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.action(
    description=_("Reset two-step verification (the user sets it up again)"), permissions=["change"]
)
def reset_two_factor(modeladmin, request, queryset):
    users = [user for user in queryset if modeladmin.has_change_permission(request, user)]
    for user in users:
        for device in [*TOTPDevice.objects.filter(user=user), *StaticDevice.objects.filter(user=user)]:
            device.delete()
    modeladmin.message_user(
        request, _("Two-step verification was reset for %(count)d users.") % {"count": len(users)}
    )


class StaffUserAdmin(UserAdmin):
    """The administrator manages reception and practitioner accounts. Superusers, the DPO and
    other administrators (and oneself) are managed by a superuser: no one grants themselves more.
    Accounts are deactivated, never deleted, so the audit trail keeps its actors."""

    actions = [reset_two_factor]
    ASSIGNABLE = [roles.RECEPTION, roles.PRACTITIONER]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_superuser", "user_permissions", "last_login", "date_joined"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=self.ASSIGNABLE)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        privileged = obj.is_superuser or obj.groups.exclude(name__in=self.ASSIGNABLE).exists()
        return not privileged and obj.pk != request.user.pk

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)

for model, model_admin in [
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (LogEntry, AuditLogEntryAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
