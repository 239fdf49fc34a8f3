from django.contrib import admin

from privacy.models import ConsentRecord


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Consent records are evidence: read-only for everyone."""

    list_display = ["created_at", "customer", "purpose", "given", "language", "source"]
    list_filter = ["purpose", "given", "language"]
    list_select_related = ["customer"]
    readonly_fields = ["customer", "purpose", "given", "text", "language", "source", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
