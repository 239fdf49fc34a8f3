from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.notice, name="notice"),
    path("request/", views.request_data, name="request"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("verified/export/", views.verified_export, name="verified_export"),
    path("verified/erase/", views.verified_erase, name="verified_erase"),
    path("booking/<ref:reference>/<token:token>/correct/", views.booking_correct, name="booking_correct"),
    path("booking/<ref:reference>/<token:token>/export/", views.booking_export, name="booking_export"),
    path(
        "booking/<ref:reference>/<token:token>/consent/",
        views.booking_withdraw_consent,
        name="booking_consent",
    ),
    path("booking/<ref:reference>/<token:token>/erase/", views.booking_erase, name="booking_erase"),
]
