from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from bookings import calendar_versions

        # Exact invalidation of the cached public pages must not depend on every caller remembering.
        calendar_versions.connect()
