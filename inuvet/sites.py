"""The staff site: Django's admin plus the calendar, reports and data-protection pages."""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _


class InuvetAdminSite(admin.AdminSite):
    site_header = _("Inuvet staff")
    site_title = _("Inuvet staff")
    index_title = _("Front desk")
    index_template = "admin/inuvet_index.html"

    def admin_view(self, view, cacheable=False):
        from inuvet.two_factor import gate

        return super().admin_view(gate(view), cacheable)

    def get_urls(self):
        from bookings import reports, staff
        from inuvet import two_factor
        from privacy import staff as privacy_staff

        custom = [
            path("2fa/", self.admin_view(two_factor.setup), name="otp_setup"),
            path("2fa/verify/", self.admin_view(two_factor.verify), name="otp_verify"),
            path("privacy/", self.admin_view(privacy_staff.dashboard), name="privacy_dashboard"),
            path("privacy/find/", self.admin_view(privacy_staff.find_person), name="privacy_find"),
            path("privacy/export/", self.admin_view(privacy_staff.export), name="privacy_export"),
            path("privacy/erase/", self.admin_view(privacy_staff.erase), name="privacy_erase"),
            path(
                "privacy/marketing.csv",
                self.admin_view(privacy_staff.marketing_list),
                name="privacy_marketing",
            ),
            path("calendar/", self.admin_view(staff.calendar), name="calendar"),
            path("calendar/book/", self.admin_view(staff.book), name="calendar_book"),
            path("reports/", self.admin_view(reports.report_page), name="reports"),
            path("reports/<slug:table>.csv", self.admin_view(reports.report_csv), name="reports_csv"),
        ]
        return custom + super().get_urls()
