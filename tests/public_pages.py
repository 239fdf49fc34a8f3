"""Every public page a client can meet, in each of its states, and every email the app sends:
rendered through the test client for the HTML checker (tests/test_html_valid.py). The browser
tests take screenshots of the same pages (tests/e2e/test_screenshots.py)."""

import re
from datetime import timedelta

from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from bookings.emails import send_due_reminders, send_links_of_address, send_manage_link
from bookings.services import book_appointment, cancel_appointment, move_appointment
from bookings.tokens import hash_token, link_code, manage_token
from customers.models import Customer
from notifications.models import OutboxMessage
from online.services import book_online
from privacy.models import DataSubjectRequest
from privacy.services import correct_by_client, send_deadline_notices, send_verification_link
from tests.factories import (
    at,
    client_details,
    make_appointment,
    make_practitioner,
    make_service,
    next_open_weekday,
    species,
)
from waitlist import services as waitlist_services
from waitlist.models import WaitlistOffer
from waitlist.services import join_waitlist

# Not pages: files, the favicon, and POST-only actions (their pages are listed under other names).
NOT_PAGES = {
    "online:favicon",
    "online:manage_ics",
    "online:manage_export",
    "online:manage_consent",
    "privacy:verified_export",
    "online:manage_sms",
    "online:manage_book_another",
}


def public_url_names() -> set[str]:
    """The names of every URL of the client's site (online and privacy apps)."""
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace in {"online", "privacy"}:
            names |= {f"{namespace}:{p.name}" for p in pattern.url_patterns if p.name}
    return names - NOT_PAGES


def link(appointment, name="online:manage", **kwargs) -> str:
    token = manage_token(appointment.reference)
    return reverse(name, kwargs={"reference": appointment.reference, "token": token, **kwargs})


def _details(service, start, practitioner=None) -> str:
    return reverse(
        "online:details", kwargs={"service_id": service.pk, "practitioner": practitioner, "start": start}
    )


def _key(page: str) -> str:
    return re.search(r'name="request_key" value="([^"]+)"', page).group(1)


def make_practice(day):
    """Two vets, one service; returns (service, aino, mikko)."""
    aino = make_practitioner("Aino Virtanen", title="eläinlääkäri", title_sv="veterinär", title_en="vet")
    mikko = make_practitioner("Mikko Korhonen", title="eläinlääkäri", title_sv="veterinär", title_en="vet")
    service = make_service(
        [aino, mikko],
        name="Terveystarkastus",
        description="Perusteellinen tarkastus.",
        preparation="Tuo rokotustodistus.\nEi ruokaa aamulla.",
        urgent=True,
    )
    return service, aino, mikko


def every_page(day, settings) -> dict[str, tuple[str, str]]:
    """Name → (URL name, HTML) of every public page in every state a client can meet it in."""
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup": (1000, 3600), "manage": (1000, 3600)}
    service, aino, mikko = make_practice(day)
    client = Client()
    pages: dict[str, tuple[str, str]] = {}

    def get(name, url_name, url, **kwargs):
        response = client.get(url, **kwargs)
        assert response.status_code in (200, 404, 410, 429), (name, response.status_code)
        pages[name] = (url_name, response.content.decode())
        return pages[name][1]

    def post(name, url_name, url, data, **kwargs):
        response = client.post(url, data, **kwargs)
        assert response.status_code < 500, (name, response.status_code)
        pages[name] = (url_name, response.content.decode())
        return pages[name][1]

    get("start", "online:home", reverse("online:home"))
    cat = species("kissa")
    get("start, a species chosen", "online:home", f"{reverse('online:home')}?species={cat.pk}")
    get("start, an unknown species", "online:home", f"{reverse('online:home')}?species=999999")
    get("price list", "online:price_list", reverse("online:price_list"))
    picker = reverse("online:slots", args=[service.pk])
    get("picker, a species chosen", "online:slots", f"{picker}?week={day.isoformat()}&species={cat.pk}")
    get("details, a species chosen", "online:details", _details(service, at(day, 9)) + f"?species={cat.pk}")
    get("picker", "online:slots", f"{picker}?week={day.isoformat()}")
    get("picker, empty week", "online:slots", f"{picker}?week={(day + timedelta(days=400)).isoformat()}")
    get("picker, one practitioner", "online:slots", f"{picker}?practitioner={aino.pk}&week={day.isoformat()}")
    get("picker, a day chosen", "online:slots", f"{picker}?week={day.isoformat()}&day={day.isoformat()}")
    form = get("details", "online:details", _details(service, at(day, 9)))
    post(
        "details, errors",
        "online:details",
        _details(service, at(day, 9)),
        {"name": "", "request_key": "k" * 20},
    )
    make_appointment(service, aino, at(day, 9))
    make_appointment(service, mikko, at(day, 9))
    post(
        "details, time just taken",
        "online:details",
        _details(service, at(day, 9)),
        {**client_details(), "message": "Kissa\nrokotus", "request_key": _key(form)},
    )
    form = get("details, chosen practitioner", "online:details", _details(service, at(day, 10), aino.pk))
    client.post(_details(service, at(day, 10), aino.pk), {**client_details(), "request_key": _key(form)})
    get(
        "manage, just booked",
        "online:manage",
        client.get(_details(service, at(day, 10), aino.pk))["Location"],
    )
    get(
        "confirmation (manage, ?booked)",
        "online:manage",
        client.get(_details(service, at(day, 10), aino.pk))["Location"] + "?booked",
    )

    booking = book_appointment(
        service=service,
        start=at(day, 11),
        **client_details(),
        message="Koira ontuu.\nEtujalka.",
        species=species("koira"),
        animal_name="Musti",
    ).appointment
    get("manage", "online:manage", link(booking))
    get("earlier time", "online:manage_earlier", link(booking, "online:manage_earlier"))
    post(
        "earlier time, errors",
        "online:manage_earlier",
        link(booking, "online:manage_earlier"),
        {"first_day": "x"},
    )
    email = booking.customer.email
    get(
        "confirm address",
        "online:confirm_address",
        link(booking, "online:confirm_address", code=link_code("address", booking.reference, email)),
    )
    get(
        "confirm marketing",
        "online:confirm_marketing",
        link(booking, "online:confirm_marketing", code=link_code("marketing", booking.reference, email)),
    )
    Customer.objects.filter(pk=booking.customer_id).update(pending_email="new@example.com")
    get(
        "confirm new email",
        "online:confirm_email",
        link(
            booking, "online:confirm_email", code=link_code("new-email", booking.reference, "new@example.com")
        ),
    )
    get("move", "online:manage_move", link(booking, "online:manage_move") + f"?week={day.isoformat()}")
    make_appointment(service, aino, at(day, 13))
    get(
        "move confirm",
        "online:manage_move_confirm",
        link(booking, "online:manage_move_confirm", start=at(day, 13)),
    )
    get("cancel", "online:manage_cancel", link(booking, "online:manage_cancel"))
    get("correct", "online:manage_correct", link(booking, "online:manage_correct"))
    post("correct, errors", "online:manage_correct", link(booking, "online:manage_correct"), {"phone": "x"})
    get("erase", "online:manage_erase", link(booking, "online:manage_erase"))
    cancel_appointment(appointment=booking, by_client=True)
    get("manage, cancelled", "online:manage", link(booking))
    post("erased", "online:manage_erase", link(booking, "online:manage_erase"), {"confirm": "yes"})

    soon = make_appointment(service, aino, timezone.now() + timedelta(hours=3))
    get("manage, too late to change", "online:manage", link(soon))
    get("erase, inside the cut-off", "online:manage_erase", link(soon, "online:manage_erase"))

    get("lookup", "online:lookup", reverse("online:lookup"))
    post("lookup, errors", "online:lookup", reverse("online:lookup"), {"reference": "x", "contact": "y"})
    post(
        "lookup, sent",
        "online:lookup",
        reverse("online:lookup"),
        {"reference": soon.reference, "contact": soon.customer.email},
    )
    post(
        "my bookings sent",
        "online:send_my_links",
        reverse("online:send_my_links"),
        {"email": soon.customer.email},
    )
    waitlist = reverse("online:waitlist_join", args=[service.pk])
    get("waiting list", "online:waitlist_join", waitlist)
    post(
        "waiting list, errors", "online:waitlist_join", waitlist, {"first_day": "2000-01-01", "last_day": "x"}
    )
    post(
        "waiting list, joined",
        "online:waitlist_join",
        waitlist,
        {"first_day": day.isoformat(), "last_day": day.isoformat(), **client_details()},
    )
    joined = join_waitlist(
        service=service, practitioner=None, first_day=day, last_day=day, **client_details()
    )
    WaitlistOffer.objects.create(
        entry=joined.entry, start=at(day, 15), practitioner=aino, token_hash=hash_token("offer-token")
    )
    offer = reverse("online:waitlist_offer", args=["offer-token"])
    get("waiting list offer", "online:waitlist_offer", offer)
    make_appointment(service, aino, at(day, 15))
    post("waiting list offer, taken", "online:waitlist_offer", offer, {})
    get("waiting list, leave", "online:waitlist_leave", reverse("online:waitlist_leave", args=[joined.token]))
    post(
        "waiting list, left",
        "online:waitlist_leave",
        reverse("online:waitlist_leave", args=[joined.token]),
        {},
    )
    get("privacy notice", "privacy:notice", reverse("privacy:notice"))
    get("privacy request", "privacy:request", reverse("privacy:request"))
    post("privacy request, errors", "privacy:request", reverse("privacy:request"), {"email": "nope"})
    post(
        "privacy request, sent", "privacy:request", reverse("privacy:request"), {"email": soon.customer.email}
    )
    get("verify", "privacy:verify", reverse("privacy:verify", args=["some-token"]))
    post("verify, invalid", "privacy:verify", reverse("privacy:verify", args=["some-token"]), {})
    send_verification_link(email=soon.customer.email, language="fi")
    text = OutboxMessage.objects.filter(kind="privacy_verification").latest("pk").body_text
    token = re.search(r"/privacy/verify/([^/]+)/", text).group(1)
    verified = post("verified", "privacy:verify", reverse("privacy:verify", args=[token]), {})
    grant = re.search(r'name="grant" value="([^"]+)"', verified).group(1)
    post("verified, erase", "privacy:verified_erase", reverse("privacy:verified_erase"), {"grant": grant})

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup": (1, 3600)}
    cache.clear()
    client.post(reverse("online:lookup"), {"reference": "x", "contact": "y"})
    post("too many requests", "online:lookup", reverse("online:lookup"), {"reference": "x", "contact": "y"})
    get("not found", "online:manage", f"/manage/{soon.reference}/{'a' * 32}/")
    return pages


def every_email(day) -> dict[str, str]:
    """Kind and language → HTML of every email the app sends, in Finnish, Swedish and English."""
    service, aino, mikko = make_practice(day)
    for n, language in enumerate(["fi", "sv", "en"]):
        start = at(day, 9 + 2 * n)
        booked = book_appointment(
            service=service, start=start, language=language, **client_details()
        ).appointment
        move_appointment(appointment=booked, start=start + timedelta(hours=1), by_client=True)
        send_manage_link(reference=booked.reference, email=booked.customer.email)
        cancel_appointment(appointment=booked, by_client=True)
        soon = book_appointment(
            service=service,
            start=at(next_open_weekday(day), 13) + timedelta(minutes=40 * n),
            language=language,
            source="phone",
            **client_details(),
        ).appointment
        cancel_appointment(appointment=soon, by_client=False)
        reminded = make_appointment(
            service,
            mikko,
            timezone.now() + timedelta(hours=5 + n),
            created_at=timezone.now() - timedelta(days=9),
            language=language,
        )
        send_due_reminders()
        send_verification_link(email=reminded.customer.email, language=language)
        asked = book_online(
            service=service,
            start=at(next_open_weekday(day), 9 + n),
            language=language,
            marketing_consent=True,
            **client_details(),
        ).appointment
        correct_by_client(
            appointment=asked, language=language, **{**client_details(), "email": "new@example.com"}
        )
        send_links_of_address(email=asked.customer.email, language=language)
        joined = join_waitlist(
            service=service,
            practitioner=None,
            first_day=day,
            last_day=day,
            language=language,
            **client_details(),
        )
        WaitlistOffer.objects.create(
            entry=joined.entry,
            start=at(day, 16),
            practitioner=aino,
            token_hash=hash_token(f"offer-{language}"),
        )
        waitlist_services._queue_offer(joined.entry, joined.entry.offers.get(), "https://example.com/offer")
    # Staff notices (Finnish): reception, and the DPO's deadlines and self-service notices.
    near = make_appointment(service, aino, timezone.now() + timedelta(hours=20))
    Client().post(link(near, "online:manage_erase"), {"confirm": "yes"})
    DataSubjectRequest.objects.create(
        kind=DataSubjectRequest.Kind.ACCESS,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=timezone.localdate() - timedelta(days=27),
    )
    send_deadline_notices()
    emails = {}
    for message in OutboxMessage.objects.order_by("pk"):
        language = re.search(r'<html lang="([a-z]+)"', message.body_html).group(1)
        emails.setdefault(f"{message.kind} ({language})", message.body_html)
    return emails
