from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdeskConfig(AppConfig):
    """The staff site: calendar, phone and walk-in bookings, appointments and customers."""

    name = "frontdesk"
    verbose_name = _("Front desk")
