from django.contrib import admin
from django.urls import include, path

from inuvet.views import choose_language

urlpatterns = [
    path("language/<str:language>/", choose_language, name="choose_language"),
    path("admin/", admin.site.urls),
    path("privacy/", include("privacy.urls")),
    path("sms/", include("notifications.urls")),
    path("", include("frontdesk.urls")),
    path("", include("online.urls")),
]

# Staff pages get the staff 403 page (which role would allow it); clients get templates/403.html.
handler403 = "frontdesk.errors.permission_denied"
