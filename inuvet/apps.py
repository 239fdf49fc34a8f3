from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class InuvetAdminConfig(AdminConfig):
    default_site = "frontdesk.site.StaffSite"


class InuvetConfig(AppConfig):
    """The project itself: holds the migrations that create the staff roles."""

    name = "inuvet"
    verbose_name = "Inuvet"

    def ready(self):
        from inuvet import checks  # noqa: F401  (registers the start-up checks)
