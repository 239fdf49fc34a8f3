"""The staff site: Django's admin, and every staff page that is not a model's admin page, listed
here in one place (calendar, bookings, appointment actions, reports, data protection, 2FA)."""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _


class StaffSite(admin.AdminSite):
    site_header = _("Inuvet staff")
    site_title = _("Inuvet staff")
    index_title = _("Front desk")
    index_template = "admin/inuvet_index.html"

    def admin_view(self, view, cacheable=False):
        from inuvet.two_factor import gate

        return super().admin_view(gate(view), cacheable)

    def get_urls(self):
        from frontdesk import views as desk
        from inuvet import two_factor
        from privacy import staff as dpo
        from reports import views as reports

        pages = [
            ("2fa/", two_factor.setup, "otp_setup"),
            ("2fa/verify/", two_factor.verify, "otp_verify"),
            ("calendar/", desk.calendar, "calendar"),
            ("calendar/book/", desk.book, "calendar_book"),
            ("bookings/appointment/<int:pk>/status/", desk.set_status, "bookings_appointment_status"),
            ("bookings/appointment/<int:pk>/cancel/", desk.cancel, "bookings_appointment_cancel"),
            ("bookings/appointment/<int:pk>/move/", desk.move, "bookings_appointment_move"),
            ("reports/", reports.report_page, "reports"),
            ("reports/<slug:table>.csv", reports.report_csv, "reports_csv"),
            ("privacy/", dpo.dashboard, "privacy_dashboard"),
            ("privacy/find/", dpo.find_person, "privacy_find"),
            ("privacy/export/", dpo.export, "privacy_export"),
            ("privacy/erase/", dpo.erase, "privacy_erase"),
            ("privacy/marketing.csv", dpo.marketing_list, "privacy_marketing"),
        ]
        return [
            path(route, self.admin_view(view), name=name) for route, view, name in pages
        ] + super().get_urls()
