from django.urls import path, register_converter

from online import confirm, converters, manage, views, waitlist

# URL parts of the client's pages: a slot's start, the practitioner choice, a booking's link.
register_converter(converters.SlotStartConverter, "slot")
register_converter(converters.PractitionerChoiceConverter, "who")
register_converter(converters.ReferenceConverter, "ref")
register_converter(converters.TokenConverter, "token")

app_name = "online"
link = "manage/<ref:reference>/<token:token>/"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("hinnasto/", views.price_list, name="price_list"),
    path("book/<int:service_id>/", views.slot_picker, name="slots"),
    path("book/<int:service_id>/<who:practitioner>/<slot:start>/", views.details, name="details"),
    path("manage/", manage.lookup, name="lookup"),
    path("manage/my-bookings/", manage.send_my_links, name="send_my_links"),
    path(link, manage.manage, name="manage"),
    path(link + "calendar.ics", manage.manage_ics, name="manage_ics"),
    path(link + "cancel/", manage.manage_cancel, name="manage_cancel"),
    path(link + "move/", manage.manage_move, name="manage_move"),
    path(link + "move/<slot:start>/", manage.manage_move_confirm, name="manage_move_confirm"),
    path(link + "details/", manage.manage_correct, name="manage_correct"),
    path(link + "data/", manage.manage_export, name="manage_export"),
    path(link + "consent/", manage.manage_withdraw_consent, name="manage_consent"),
    path(link + "sms/", manage.manage_sms, name="manage_sms"),
    path(link + "another/", manage.manage_book_another, name="manage_book_another"),
    path(link + "earlier/", waitlist.waitlist_earlier, name="manage_earlier"),
    path(link + "erase/", manage.manage_erase, name="manage_erase"),
    path(link + "confirm/<str:code>/", confirm.confirm_address, name="confirm_address"),
    path(link + "marketing/<str:code>/", confirm.confirm_marketing, name="confirm_marketing"),
    path(link + "email/<str:code>/", confirm.confirm_email, name="confirm_email"),
    path("waitlist/<int:service_id>/", waitlist.waitlist_join, name="waitlist_join"),
    path("waitlist/offer/<str:token>/", waitlist.waitlist_offer, name="waitlist_offer"),
    path("waitlist/leave/<str:token>/", waitlist.waitlist_leave, name="waitlist_leave"),
]
