"""The front desk's one page outside the staff site: a practitioner's calendar feed (no session)."""

from django.urls import path

from frontdesk import feed

urlpatterns = [
    path("calendar-feed/<str:token>.ics", feed.feed, name="calendar_feed"),
]
