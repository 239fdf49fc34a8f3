"""The practitioners' calendar feeds: a personal iCalendar subscription URL for a staff phone.

A phone's calendar is outside the register's protection, so the feed carries the practitioner's
appointments for the next 60 days with times, service and booking reference only: no client name,
phone, animal name or message. The token (256 bits) is shown once; only its SHA-256 is stored.
Unknown and revoked tokens get 404; fetches are rate-limited per client address and logged
without the token (the access log masks it too, inuvet/logs.py)."""

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from bookings.calendar import load_calendar
from bookings.models import Practitioner
from frontdesk.models import CalendarFeed, hash_feed_token
from inuvet.audit import require_permission
from inuvet.ratelimit import too_many_requests, try_use

log = logging.getLogger("inuvet.feed")
FEED_DAYS = 60
# All the feed shows of an appointment.
FEED_FIELDS = ("reference", "start", "end", "status", "sequence", "service__name")


def create_calendar_feed(*, practitioner: Practitioner) -> tuple[CalendarFeed, str]:
    """A new feed for the practitioner, ending the one they had; returns it and its token (the
    only time the token exists outside the phone).

    Raises:
        Nothing of its own.
    """
    token = CalendarFeed.new_token()
    # Two clicks at once: the practitioner's row lock orders them, so one feed stays active.
    with transaction.atomic():
        Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
        _revoke(practitioner)
        feed = CalendarFeed.objects.create(practitioner=practitioner, token_hash=hash_feed_token(token))
    return feed, token


def revoke_calendar_feed(*, practitioner: Practitioner) -> int:
    """End the practitioner's feed: its link answers 404 from now on. Returns how many ended.

    Raises:
        Nothing of its own.
    """
    with transaction.atomic():
        return _revoke(practitioner)


def _revoke(practitioner: Practitioner) -> int:
    ended = 0
    for feed in CalendarFeed.objects.active().filter(practitioner=practitioner):
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])  # through save(): the audit log sees it
        ended += 1
    return ended


def feed_ics(practitioner_id: int, *, now=None) -> bytes:
    """The practitioner's active appointments of the next FEED_DAYS days as an iCalendar file."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cal = load_calendar(
        today,
        today + timedelta(days=FEED_DAYS),
        practitioner_ids=[practitioner_id],
        appointment_fields=FEED_FIELDS,
        margin_days=0,
    )
    host = urlsplit(settings.PUBLIC_URL).hostname or "inuvet.fi"
    calendar = Calendar()
    calendar.add("prodid", "-//Inuvet//Ajanvaraus staff feed//FI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", settings.PRACTICE["name"])
    calendar.add("x-published-ttl", "PT1H")
    with translation.override(settings.LANGUAGE_CODE):
        for row in cal.appointments:
            reference = f"{row.reference[:3]}-{row.reference[3:]}"
            event = Event()
            event.add("uid", f"staff-{row.reference}@{host}")
            event.add("dtstamp", now)
            event.add("dtstart", row.start)
            event.add("dtend", row.end)
            event.add("summary", f"{row.service__name} ({reference})")
            event.add("description", _("Booking reference %(reference)s") % {"reference": reference})
            event.add("sequence", row.sequence)
            event.add("status", "CONFIRMED")
            event.add("class", "PRIVATE")
            calendar.add_component(event)
    return calendar.to_ical()


def feed(request, token: str):
    """The feed itself, for a phone's calendar app: no session, the token is the key."""
    wait = try_use(request, "feed")
    if wait:
        log.info("calendar feed refused: too many requests")
        return too_many_requests(request, wait)
    found = CalendarFeed.objects.active().filter(token_hash=hash_feed_token(token[:100])).first()
    if found is None or not found.practitioner.is_active:
        log.info("calendar feed: unknown or revoked link")
        raise Http404
    body = feed_ics(found.practitioner_id)
    found.last_fetched_at = timezone.now()
    found.save(update_fields=["last_fetched_at"])
    log.info("calendar feed #%s of practitioner #%s fetched", found.pk, found.practitioner_id)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def feed_page(request):
    """The signed-in practitioner's own feed: make a link (shown once), or revoke it."""
    require_permission(request, "bookings.view_calendar")
    practitioner = Practitioner.objects.filter(user=request.user, is_active=True).first()
    new_url = ""
    if request.method == "POST" and practitioner is not None:
        action = request.POST.get("action")
        if action == "create":
            _feed, token = create_calendar_feed(practitioner=practitioner)
            new_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        elif action == "revoke":
            if revoke_calendar_feed(practitioner=practitioner):
                messages.success(request, _("The calendar link is revoked: phones no longer get updates."))
            return redirect("admin:calendar_feed_page")
    active = CalendarFeed.objects.active().filter(practitioner=practitioner).first() if practitioner else None
    response = TemplateResponse(
        request,
        "frontdesk/feed.html",
        {
            **admin.site.each_context(request),
            "title": _("My calendar on my phone"),
            "practitioner": practitioner,
            "active": active,
            "new_url": new_url,
            "days": FEED_DAYS,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
