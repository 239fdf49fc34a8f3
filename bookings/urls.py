from django.urls import path

from bookings import views

app_name = "bookings"
urlpatterns = [
    path("", views.home, name="home"),
    path("book/<int:service_id>/", views.slot_picker, name="slots"),
    path("book/<int:service_id>/<who:practitioner>/<slot:start>/", views.details, name="details"),
    path("manage/", views.lookup, name="lookup"),
    path("manage/<ref:reference>/<token:token>/", views.manage, name="manage"),
    path("manage/<ref:reference>/<token:token>/calendar.ics", views.manage_ics, name="manage_ics"),
    path("manage/<ref:reference>/<token:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("manage/<ref:reference>/<token:token>/move/", views.manage_move, name="manage_move"),
    path(
        "manage/<ref:reference>/<token:token>/move/<slot:start>/",
        views.manage_move_confirm,
        name="manage_move_confirm",
    ),
]
