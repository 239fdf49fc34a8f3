from django.contrib import admin
from django.urls import include, path

from inuvet import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("privacy/", include("privacy.urls")),
    path("", include("bookings.urls")),
]
