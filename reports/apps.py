from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Figures, charts and CSV downloads built from anonymous appointment data."""

    name = "reports"
    verbose_name = _("Reports")
