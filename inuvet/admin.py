"""Staff accounts and their roles in the staff site (the audit trail's pages are privacy's)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from inuvet import roles

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
