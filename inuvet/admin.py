"""Staff accounts and their roles in the staff site (the audit trail's pages are privacy's)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
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


class RoleChoiceField(forms.ModelMultipleChoiceField):
    """Roles as tick boxes, each named in the reader's language."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return roles.label(obj.name)


class StaffUserAdmin(UserAdmin):
    """The administrator manages reception and practitioner accounts. Superusers, the DPO and
    other administrators (and oneself) are managed by a superuser: no one grants themselves more.
    Accounts are deactivated, never deleted, so the audit trail keeps its actors.

    A role grants the staff site (Django's separate "staff status" is kept equal to it, not shown)."""

    actions = [reset_two_factor]
    ASSIGNABLE = [roles.RECEPTION, roles.PRACTITIONER]
    add_form_template = "admin/auth/user/staff_add_form.html"
    filter_horizontal = ()
    list_display = ("username", "email", "first_name", "last_name", "role_names", "is_active")
    list_filter = ("is_active", "groups")
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Role"), {"fields": ("groups",)}),
    )

    @admin.display(description=_("role"))
    def role_names(self, obj):
        return ", ".join(roles.label(group.name) for group in obj.groups.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        access = ["is_active", "groups"]
        if request.user.is_superuser:
            access.append("is_superuser")  # permissions come with the role, never one by one
        return (
            (None, {"fields": ("username", "password")}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (_("Role and sign-in"), {"fields": access}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_superuser", "user_permissions", "last_login", "date_joined"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            queryset = Group.objects.filter(name__in=roles.ROLES)
            if not request.user.is_superuser:
                queryset = queryset.filter(name__in=self.ASSIGNABLE)
            return RoleChoiceField(
                queryset=queryset,
                required=False,
                label=_("Role"),
                help_text=_(
                    "The role decides what the user may see and do. A user with no role cannot sign in."
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        roles.sync_staff_flag(form.instance)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        privileged = obj.is_superuser or obj.groups.exclude(name__in=self.ASSIGNABLE).exists()
        return not privileged and obj.pk != request.user.pk

    def has_delete_permission(self, request, obj=None):
        return False


class RoleAdmin(GroupAdmin):
    """The roles, read-only: they are defined in inuvet/roles.py and made by migrations."""

    list_display = ["name", "role"]
    filter_horizontal = ()

    @admin.display(description=_("role"))
    def role(self, obj):
        return roles.label(obj.name)


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, RoleAdmin)
