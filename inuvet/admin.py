"""Admin registrations that belong to no app of ours: the audit trail, read-only."""

from auditlog import admin as auditlog_admin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from axes import admin as axes_admin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


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
    for user in queryset:
        for device in [*TOTPDevice.objects.filter(user=user), *StaticDevice.objects.filter(user=user)]:
            device.delete()
    modeladmin.message_user(
        request, _("Two-step verification was reset for %(count)d users.") % {"count": len(queryset)}
    )


class StaffUserAdmin(UserAdmin):
    actions = [reset_two_factor]


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)

for model, model_admin in [
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (LogEntry, AuditLogEntryAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
