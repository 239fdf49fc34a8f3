from django.contrib import admin
from django.urls import include, path, register_converter

from bookings import converters

# URL parts of the public pages, registered once for every app's URLs.
register_converter(converters.SlotStartConverter, "slot")
register_converter(converters.PractitionerChoiceConverter, "who")
register_converter(converters.ReferenceConverter, "ref")
register_converter(converters.TokenConverter, "token")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("privacy/", include("privacy.urls")),
    path("", include("bookings.urls")),
]
