from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitlistConfig(AppConfig):
    """ "Tell me if an earlier time frees up": entries, the offers made to them, booking from an offer."""

    name = "waitlist"
    verbose_name = _("Waiting list")
