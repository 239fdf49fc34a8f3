"""The practice's configuration in the staff site: practitioners and their hours, services, closures.
Appointments and customers are the front desk's (frontdesk/admin.py).

Saving a closure or a change of hours that leaves upcoming appointments outside the rules leads to
the page that lists them (admin:calendar_affected). Hours are valid from a date: hours already in
force are not rewritten (that would change past weeks' figures) but ended, and new ones added."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bookings.models import Closure, Practitioner, Service, Species, SpeciesPrice, WorkingHours
from bookings.staff_rules import affected_appointments, closure_days

_TIMES = ("weekday", "start", "end", "valid_from")


def _in_force_before_today(hours: WorkingHours) -> bool:
    return hours.pk is not None and (hours.valid_from is None or hours.valid_from < timezone.localdate())


class WorkingHoursForm(forms.ModelForm):
    """New hours start today unless told otherwise; hours already in force are only ended."""

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end", "valid_from", "valid_until"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["valid_from"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not _in_force_before_today(self.instance):
            return data
        original = WorkingHours.objects.get(pk=self.instance.pk)
        since = (
            formats.date_format(original.valid_from, "SHORT_DATE_FORMAT")
            if original.valid_from
            else _("the beginning")
        )
        if any(data.get(name) != getattr(original, name) for name in _TIMES if name in data):
            raise ValidationError(
                _(
                    "These hours have been in force since %(since)s: changing them here would change past "
                    "weeks too. Set “valid until” to their last day, and add the new hours as a new row "
                    "valid from the day after."
                )
                % {"since": since}
            )
        yesterday = timezone.localdate() - timedelta(days=1)
        until = data.get("valid_until")
        if until and until != original.valid_until and until < yesterday:
            raise ValidationError(
                {
                    "valid_until": _(
                        "These hours were in force then: the last day can be yesterday at the earliest."
                    )
                }
            )
        return data


class WorkingHoursFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form) and _in_force_before_today(form.instance):
                raise ValidationError(
                    _("Hours that were already in force are not deleted: set “valid until” on them instead.")
                )


class WorkingHoursInline(admin.StackedInline):  # stacked: every field has its own label
    model = WorkingHours
    form = WorkingHoursForm
    formset = WorkingHoursFormSet
    extra = 0


def _to_affected(request, response, query: str, **scope):
    """To the list of appointments the change left outside the rules, when there are any."""
    if not request.user.has_perm("bookings.reschedule_appointment"):
        return response
    count = len(affected_appointments(**scope))
    if not count:
        return response
    messages.warning(
        request,
        ngettext(
            "%(count)d upcoming appointment is now outside the hours: choose what happens to it.",
            "%(count)d upcoming appointments are now outside the hours: choose what happens to them.",
            count,
        )
        % {"count": count},
    )
    return redirect(f"{reverse('admin:calendar_affected')}?{query}")


class HoursChangeLeadsToAffected:
    """After saving a practitioner's hours: their appointments now outside them, if any."""

    def _practitioner_of(self, obj) -> Practitioner:
        raise NotImplementedError

    def response_add(self, request, obj, post_url_continue=None):
        practitioner = self._practitioner_of(obj)
        response = super().response_add(request, obj, post_url_continue)
        return _to_affected(
            request, response, f"practitioner={practitioner.pk}", practitioner_ids=[practitioner.pk]
        )

    def response_change(self, request, obj):
        practitioner = self._practitioner_of(obj)
        response = super().response_change(request, obj)
        return _to_affected(
            request, response, f"practitioner={practitioner.pk}", practitioner_ids=[practitioner.pk]
        )


@admin.register(Practitioner)
class PractitionerAdmin(HoursChangeLeadsToAffected, admin.ModelAdmin):
    list_display = ["name", "title", "is_active", "order", "user"]
    list_editable = ["order"]
    list_select_related = ["user"]
    search_fields = ["name", "title"]
    inlines = [WorkingHoursInline]

    def _practitioner_of(self, obj):
        return obj


@admin.register(Species)
class SpeciesAdmin(admin.ModelAdmin):
    list_display = ["name", "name_sv", "name_en", "order", "is_active"]
    list_filter = ["is_active"]
    list_select_related = []
    search_fields = ["name", "name_sv", "name_en"]

    def has_delete_permission(self, request, obj=None):
        # Bookings keep their species: a species in use is made inactive, not deleted.
        if obj is not None and obj.appointments.exists():
            return False
        return super().has_delete_permission(request, obj)


class SpeciesPriceInline(admin.TabularInline):
    model = SpeciesPrice
    extra = 0
    verbose_name_plural = gettext_lazy("Prices for a species (where they differ from the price above)")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    inlines = [SpeciesPriceInline]
    list_display = [
        "name",
        "price",
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
    fieldsets = [
        (None, {"fields": ["name", "name_sv", "name_en", "description", "description_sv", "description_en"]}),
        (
            gettext_lazy("Price and animals"),
            {
                "fields": [
                    "price",
                    "price_kind",
                    ("price_basis", "price_basis_sv", "price_basis_en"),
                    "species",
                ]
            },
        ),
        (
            gettext_lazy("For the client"),
            {"fields": ["preparation", "preparation_sv", "preparation_en", "urgent"]},
        ),
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

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Tick boxes: they need no JavaScript, and no English help text comes with them.
        if db_field.name in {"practitioners", "species"}:
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(WorkingHours)
class WorkingHoursAdmin(HoursChangeLeadsToAffected, admin.ModelAdmin):
    form = WorkingHoursForm
    list_display = ["practitioner", "weekday", "start", "end", "valid_from", "valid_until"]
    list_filter = ["practitioner", "weekday"]
    list_select_related = ["practitioner"]
    search_fields = ["practitioner__name"]

    def get_fields(self, request, obj=None):
        return ["practitioner", *WorkingHoursForm.Meta.fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = self.get_fields(request, obj)
        return super().get_form(request, obj, change, **kwargs)

    def _practitioner_of(self, obj):
        return obj.practitioner

    def has_delete_permission(self, request, obj=None):
        # Hours already in force are ended, not deleted: past weeks keep their open time.
        if obj is not None and _in_force_before_today(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    # One labelled field for a moment (the browser's date-time picker; no JavaScript needed).
    formfield_overrides = {
        models.DateTimeField: {
            "form_class": forms.DateTimeField,
            "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
    }
    list_display = ["start", "end", "practitioner", "reason"]
    list_filter = ["practitioner"]
    list_select_related = ["practitioner"]
    search_fields = ["reason", "practitioner__name"]
    date_hierarchy = "start"

    def _affected(self, request, response, closure):
        first, last = closure_days(closure.start, closure.end)
        who = [closure.practitioner_id] if closure.practitioner_id else None
        return _to_affected(
            request, response, f"closure={closure.pk}", practitioner_ids=who, first_day=first, last_day=last
        )

    def response_add(self, request, obj, post_url_continue=None):
        return self._affected(request, super().response_add(request, obj, post_url_continue), obj)

    def response_change(self, request, obj):
        return self._affected(request, super().response_change(request, obj), obj)
