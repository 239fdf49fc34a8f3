from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.notice, name="notice"),
    path("request/", views.request_data, name="request"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("verified/export/", views.verified_export, name="verified_export"),
    path("verified/erase/", views.verified_erase, name="verified_erase"),
]
