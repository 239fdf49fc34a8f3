"""The staff site: Django's admin, and every staff page that is not a model's admin page, listed
here in one place (calendar, bookings, appointment actions, schedule changes, reports, data
protection, 2FA). A role grants the site; bad input (NUL bytes, dates out of range) is refused
before any view."""

from functools import wraps

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import Http404, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _

from inuvet import roles

# The date drill-down of a list (?start__year=…): the values it computes with must stay in range.
DRILL_DOWN = {"__year": (1900, 2100), "__month": (1, 12), "__day": (1, 31)}


def bad_input(request) -> bool:
    """A NUL byte in any parameter (PostgreSQL refuses such text, and no form here needs one), or
    a date drill-down out of range (year 9999 overflows the next year's bound)."""
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    for key, values in request.GET.lists():
        for suffix, (low, high) in DRILL_DOWN.items():
            if key.endswith(suffix) and not all(
                v.isascii() and v.isdigit() and low <= int(v) <= high for v in values
            ):
                return True
    return False


def bad_request(request):
    return HttpResponseBadRequest(render_to_string("admin/bad_request.html", request=request))


def refuse_bad_input(view):
    """400 with a staff page for such a request (a search box, a form, a crafted link)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if bad_input(request):
            return bad_request(request)
        return view(request, *args, **kwargs)

    return wrapped


class RoleAuthenticationForm(AdminAuthenticationForm):
    """Signing in to the staff site needs a role (or superuser), not Django's separate staff flag."""

    def confirm_login_allowed(self, user):
        if not roles.has_staff_access(user):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class StaffSite(admin.AdminSite):
    site_header = _("Inuvet staff")
    site_title = _("Inuvet staff")
    index_title = _("Front desk")
    index_template = "admin/inuvet_index.html"
    login_form = RoleAuthenticationForm

    def has_permission(self, request):
        return roles.has_staff_access(request.user)

    def admin_view(self, view, cacheable=False):
        from inuvet.two_factor import gate

        return super().admin_view(refuse_bad_input(gate(view)), cacheable)

    def login(self, request, extra_context=None):
        if bad_input(request):
            return bad_request(request)
        return super().login(request, extra_context)

    def autocomplete_view(self, request):
        # No staff form picks records by autocomplete, and its searches of customers would list
        # people on a GET without an access entry: it is not served.
        raise Http404

    def get_urls(self):
        from frontdesk import booking, calendar_pages, feed, schedule
        from frontdesk import views as desk
        from inuvet import two_factor
        from privacy import staff as dpo
        from reports import views as reports

        pages = [
            ("2fa/", two_factor.setup, "otp_setup"),
            ("2fa/verify/", two_factor.verify, "otp_verify"),
            ("calendar/", calendar_pages.calendar, "calendar"),
            ("calendar/print/", calendar_pages.day_list, "calendar_print"),
            ("calendar/feed/", feed.feed_page, "calendar_feed_page"),
            ("calendar/book/", booking.book, "calendar_book"),
            ("calendar/affected/", schedule.affected, "calendar_affected"),
            ("bookings/appointment/<int:pk>/status/", desk.set_status, "bookings_appointment_status"),
            ("bookings/appointment/<int:pk>/cancel/", desk.cancel, "bookings_appointment_cancel"),
            ("bookings/appointment/<int:pk>/move/", desk.move, "bookings_appointment_move"),
            ("reports/", reports.report_page, "reports"),
            ("reports/<slug:table>.csv", reports.report_csv, "reports_csv"),
            ("privacy/", dpo.dashboard, "privacy_dashboard"),
            ("privacy/find/", dpo.find_person, "privacy_find"),
            ("privacy/export/", dpo.export, "privacy_export"),
            ("privacy/erase/", dpo.erase, "privacy_erase"),
            ("privacy/link/", dpo.link_person, "privacy_link"),
            ("privacy/marketing.csv", dpo.marketing_list, "privacy_marketing"),
        ]
        return [
            path(route, self.admin_view(view), name=name) for route, view, name in pages
        ] + super().get_urls()
