from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment
from customers.contact import normalise_email, normalise_name, normalise_phone
from customers.models import Customer, search_condition
from customers.services import create_customer, update_customer
from inuvet.audit import log_access


class CustomerForm(forms.ModelForm):
    """Staff type names, phones and emails any way; they are stored normalised."""

    class Meta:
        model = Customer
        fields = ["name", "phone", "email"]

    def clean_name(self):
        return normalise_name(self.cleaned_data["name"])

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean_email(self):
        email = self.cleaned_data["email"]
        return normalise_email(email) if email.strip() else ""


class AppointmentInline(admin.TabularInline):
    model = Appointment
    fields = ["reference", "start", "service", "practitioner", "status", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-start"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service", "practitioner")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ["name", "phone_display", "email", "created_at"]
    list_select_related = []
    search_fields = ["name", "email"]
    search_help_text = _("Name, email, or phone in any format.")
    ordering = ["name", "pk"]
    inlines = [AppointmentInline]

    @admin.display(description=_("phone"), ordering="phone")
    def phone_display(self, obj):
        return obj.phone_display

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return queryset.filter(search_condition(search_term)), False

    def has_delete_permission(self, request, obj=None):
        return False  # a person's data is erased by the data-protection officer, with a receipt

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, object_id)
        if customer is not None and request.method == "GET" and self.has_view_permission(request, customer):
            log_access(customer)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        details = {field: form.cleaned_data[field] for field in ("name", "phone", "email")}
        if change:
            update_customer(customer=obj, **details)
        else:
            obj.pk = create_customer(**details).pk
