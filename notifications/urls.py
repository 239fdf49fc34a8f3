from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [path("status/", views.sms_status, name="sms_status")]
