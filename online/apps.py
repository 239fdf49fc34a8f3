from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnlineConfig(AppConfig):
    """The client's pages: booking online and the booking's personal link."""

    name = "online"
    verbose_name = _("Online booking")
