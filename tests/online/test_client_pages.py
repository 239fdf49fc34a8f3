"""What a client meets on the way (issue 13), through the test client: moves that keep the
practitioner, the change deadline said before it bites, cancellation calendar files, emails in the
client's language, error summaries, phone links, and forms that browsers can submit."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from bookings.models import Appointment
from bookings.services import book_appointment, cancel_appointment
from bookings.tokens import manage_token
from tests.factories import at, client_details, make_appointment, make_practitioner

pytestmark = pytest.mark.django_db


def link(appointment, name="online:manage", **kwargs):
    return reverse(
        name,
        kwargs={"reference": appointment.reference, "token": manage_token(appointment.reference), **kwargs},
    )


def book(service, start, **extra):
    return book_appointment(service=service, start=start, **{**client_details(), **extra}).appointment


@pytest.fixture
def mikko(checkup):
    other = make_practitioner("Mikko Korhonen", title="eläinlääkäri", title_sv="veterinär", title_en="vet")
    checkup.practitioners.add(other)
    return other


# Moves keep the practitioner ----------------------------------------------------------------------


def test_move_picker_of_a_chosen_booking_offers_only_that_practitioners_times(
    client, vet, mikko, checkup, open_day
):
    appointment = book(checkup, at(open_day, 9), practitioner=vet)
    book(checkup, at(open_day, 13), practitioner=vet)  # vet busy at 13; Mikko free
    picker = client.get(link(appointment, "online:manage_move"), {"week": open_day.isoformat()})
    page = picker.content.decode()
    assert link(appointment, "online:manage_move_confirm", start=at(open_day, 12)) in page
    assert link(appointment, "online:manage_move_confirm", start=at(open_day, 13)) not in page


def test_move_of_an_any_booking_names_the_new_practitioner_before_the_client_confirms(
    client, vet, mikko, checkup, open_day, django_capture_on_commit_callbacks
):
    appointment = book(checkup, at(open_day, 9))
    assert appointment.practitioner == vet
    book(checkup, at(open_day, 13), practitioner=vet)
    confirm = link(appointment, "online:manage_move_confirm", start=at(open_day, 13))
    page = client.get(confirm).content.decode()
    assert "Mikko Korhonen" in page and f'name="practitioner" value="{mikko.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm, {"practitioner": mikko.pk})
    appointment.refresh_from_db()
    assert appointment.practitioner == mikko and appointment.start == at(open_day, 13)
    assert "Mikko Korhonen" in mail.outbox[-1].body


def test_move_confirm_keeps_the_practitioner_when_they_are_free(client, vet, mikko, checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    page = client.get(
        link(appointment, "online:manage_move_confirm", start=at(open_day, 13))
    ).content.decode()
    assert f'name="practitioner" value="{vet.pk}"' in page and "Mikko" not in page


def test_a_forged_practitioner_on_the_move_form_changes_nothing(client, vet, mikko, checkup, open_day):
    appointment = book(checkup, at(open_day, 9), practitioner=vet)
    confirm = link(appointment, "online:manage_move_confirm", start=at(open_day, 13))
    for forged in (mikko.pk, "999999999", "1" * 40, "x", "٣"):
        response = client.post(confirm, {"practitioner": forged})
        assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.practitioner == vet and appointment.start == at(open_day, 9)


# The change deadline, before it bites ------------------------------------------------------------


def test_move_picker_marks_times_inside_the_cutoff_and_the_confirm_step_says_so(client, checkup, open_day):
    appointment = book(checkup, at(open_day, 15))
    # Times before about noon of that day are inside the cut-off; the booking itself is not.
    checkup.cancel_cutoff = int((at(open_day, 12) - timezone.now()).total_seconds() // 3600)
    checkup.save()
    page = client.get(
        link(appointment, "online:manage_move"), {"week": open_day.isoformat()}
    ).content.decode()
    assert "slot-locked" in page and "locked-legend" in page
    confirm = client.get(link(appointment, "online:manage_move_confirm", start=at(open_day, 8)))
    assert "tel:+358400854343" in confirm.content.decode()  # "after this move: call us"


def test_erase_page_says_plainly_that_a_booking_inside_the_cutoff_is_cancelled_and_the_clinic_told(
    client, checkup, vet, settings, django_capture_on_commit_callbacks
):
    settings.RECEPTION_EMAIL = "reception@inuvet.fi"
    checkup.cancel_cutoff = 24 * 3
    checkup.save()
    start = timezone.now() + timedelta(hours=50)  # past the online deadline, more than a day away
    appointment = make_appointment(checkup, vet, start)
    page = client.get(link(appointment, "online:manage_erase")).content.decode()
    assert "voi enää perua verkossa" in page and "kerromme klinikalle" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link(appointment, "online:manage_erase"), {"confirm": "yes"})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    told = [m for m in mail.outbox if m.to == ["reception@inuvet.fi"]]
    assert len(told) == 1 and appointment.display_reference in told[0].subject


def test_emails_state_the_change_deadline_or_say_to_call(
    checkup, open_day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(checkup, at(open_day, 9))
    assert "viimeistään" in mail.outbox[-1].body and "viimeistään" in mail.outbox[-1].alternatives[0][0]
    checkup.cancel_cutoff = 24 * 14
    checkup.save()
    with django_capture_on_commit_callbacks(execute=True):
        book(checkup, at(open_day, 10))
    late = mail.outbox[-1]
    assert "ei voi enää siirtää tai perua verkossa" in late.body and "040 085 4343" in late.body
    assert "Varauksen siirtämiseen tai perumiseen" not in late.body


# Cancelling: the calendar file removes the event --------------------------------------------------


def test_cancellation_email_carries_a_cancelling_calendar_file_and_a_book_again_link(
    client, checkup, open_day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(checkup, at(open_day, 9))
        client.post(link(appointment, "online:manage_cancel"))
    booked, cancelled = mail.outbox
    _, booked_ics, booked_type = booked.attachments[0]
    _, cancel_ics, cancel_type = cancelled.attachments[0]
    assert booked_type == "text/calendar; method=PUBLISH" and cancel_type == "text/calendar; method=CANCEL"
    first, then = Calendar.from_ical(booked_ics), Calendar.from_ical(cancel_ics)
    assert first["METHOD"] == "PUBLISH" and then["METHOD"] == "CANCEL"
    event, cancel = first.walk("VEVENT")[0], then.walk("VEVENT")[0]
    assert cancel["UID"] == event["UID"] and cancel["STATUS"] == "CANCELLED"
    assert int(cancel["SEQUENCE"]) > int(event["SEQUENCE"]) and int(cancel["SEQUENCE"]) < 10
    assert "mailto:inuvet@inuvet.fi" in str(cancel["ORGANIZER"])
    assert f"/book/{checkup.pk}/?practitioner=any" in cancelled.body
    page = client.get(link(appointment)).content.decode()
    assert f'href="/book/{checkup.pk}/?practitioner=any"' in page


def test_the_emails_content_type_names_the_calendar_method(
    checkup, open_day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(checkup, at(open_day, 9))
    raw = mail.outbox[0].message().as_string()
    assert re.search(r'Content-Type: text/calendar; method="?PUBLISH"?; charset="utf-8"', raw)
    assert "Auto-Submitted: auto-generated" in raw


def test_cancelled_booking_of_a_chosen_practitioner_books_again_with_them(client, vet, checkup, open_day):
    appointment = book(checkup, at(open_day, 9), practitioner=vet)
    cancel_appointment(appointment=appointment, by_client=True)
    page = client.get(link(appointment)).content.decode()
    assert f'href="/book/{checkup.pk}/?practitioner={vet.pk}"' in page


# Emails speak the client's language --------------------------------------------------------------


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_email_html_says_its_own_language(
    checkup, open_day, language, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(checkup, at(open_day, 9), language=language)
        cancel_appointment(appointment=appointment, by_client=True)
    assert len(mail.outbox) >= 2
    for message in mail.outbox:  # as sent (the outbox keeps no text once a message is sent)
        html = message.alternatives[0][0]
        assert f'<html lang="{language}">' in html, message.subject
        assert re.search(r"<title>[^<]+</title>", html), message.subject


def test_practitioners_titles_are_translated(en_client, checkup, mikko, open_day):
    page = en_client.get(reverse("online:slots", args=[checkup.pk])).content.decode()
    assert "Mikko Korhonen, vet" in page
    with translation.override("sv"):
        assert mikko.localized_title == "veterinär"
    mikko.title_sv = ""
    with translation.override("sv"):
        assert mikko.localized_title == "eläinlääkäri"  # Finnish when no translation is given


# Lookup by reference + phone ---------------------------------------------------------------------


def test_lookup_by_reference_and_phone_emails_the_link_to_the_booking(
    client, checkup, open_day, django_capture_on_commit_callbacks
):
    appointment = book(checkup, at(open_day, 9))
    national = "0" + appointment.customer.phone[4:]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("online:lookup"), {"reference": appointment.reference, "contact": national})
    assert mail.outbox[-1].to == [appointment.customer.email]
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("online:lookup"), {"reference": appointment.reference, "contact": "040 999 9999"})
    assert len(mail.outbox) == sent


def test_lookup_with_neither_email_nor_phone_says_what_to_give(client):
    response = client.post(reverse("online:lookup"), {"reference": "K7M4QX", "contact": "not a thing"})
    page = response.content.decode()
    assert "Anna sähköpostiosoite tai puhelinnumero" in page and "<title>Virhe: " in page


# Messages and names -------------------------------------------------------------------------------


def test_a_multi_line_message_shows_as_lines(client, checkup, open_day):
    appointment = book(checkup, at(open_day, 9), message="Koira ontuu.\nEtujalka.\n\nSyö hyvin.")
    page = client.get(link(appointment)).content.decode()
    assert "Koira ontuu.<br>Etujalka.<br><br>Syö hyvin." in page


def test_names_and_messages_with_joined_emoji_are_accepted(client, checkup, open_day):
    key = re.search(
        r'name="request_key" value="([^"]+)"',
        client.get(
            reverse(
                "online:details",
                kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)},
            )
        ).content.decode(),
    ).group(1)
    client.post(
        reverse(
            "online:details",
            kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)},
        ),
        {
            **client_details(),
            "name": "Rekku 🐕‍🦺 Koira",
            "message": "Palveluskoira 🐕‍🦺 🏳️‍🌈",
            "request_key": key,
        },
    )
    appointment = Appointment.objects.get()
    assert appointment.customer.name == "Rekku 🐕‍🦺 Koira" and "🐕‍🦺" in appointment.message


@pytest.mark.parametrize("disguise", ["\u202e", "\u2066", "\u200b", "\x00"])
def test_text_direction_tricks_and_invisible_characters_stay_refused(client, checkup, open_day, disguise):
    url = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    client.post(url, {**client_details(), "name": f"Evil{disguise}Name", "request_key": "k" * 20})
    assert not Appointment.objects.exists()


def test_message_limit_is_said_counted_and_enforced_with_a_clear_error(client, checkup, open_day):
    url = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    form = client.get(url).content.decode()
    textarea = re.search(r"<textarea[^>]*>", form).group(0)
    assert "maxlength" not in textarea  # a paste is never cut silently
    assert 'data-max-length="500"' in textarea and "Merkkejä jäljellä" in textarea
    assert "Enintään 500 merkkiä" in form
    response = client.post(url, {**client_details(), "message": "m" * 501, "request_key": "k" * 20})
    page = response.content.decode()
    assert "Viesti on liian pitkä: enintään 500 merkkiä, nyt 501." in page
    assert not Appointment.objects.exists()
    # A line break is one character, as the page counts it (browsers send CRLF).
    ok = client.post(url, {**client_details(), "message": "a\r\n" * 250, "request_key": "k" * 20})
    assert ok.status_code == 302 and len(Appointment.objects.get().message) == 499


# Errors, focus and titles ------------------------------------------------------------------------


@pytest.mark.parametrize("language, prefix", [("fi", "Virhe: "), ("sv", "Fel: "), ("en", "Error: ")])
def test_a_failed_submit_gets_an_error_summary_with_links_and_an_error_title(
    client, settings, checkup, open_day, language, prefix
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    page = client.post(
        url, {"name": "", "phone": "nope", "email": "x", "request_key": "k" * 20}
    ).content.decode()
    assert f"<title>{prefix}" in page
    summary = page[
        page.index('id="error-summary"') - 200 : page.index("</div>", page.index('id="error-summary"'))
    ]
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    assert all(f'href="#id_{field}"' in summary for field in ("name", "phone", "email"))
    assert page.index('id="error-summary"') < page.index("<h1")
    assert "<title>" + prefix not in client.get(url).content.decode()


def test_correction_form_errors_are_summarised(client, checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    page = client.post(
        link(appointment, "online:manage_correct"), {"name": "", "phone": "1", "email": "y"}
    ).content.decode()
    assert "<title>Virhe: " in page and 'href="#id_phone"' in page


# Phone numbers, favicon, descriptions ------------------------------------------------------------


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"


class _Page(HTMLParser):
    """Forms inside forms, the description and phone links of a page."""

    def __init__(self):
        super().__init__()
        self.open_forms = 0
        self.nested_forms = 0
        self.description = None
        self.tel_links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.nested_forms += self.open_forms > 0
            self.open_forms += 1
        elif tag == "meta" and attrs.get("name") == "description":
            self.description = attrs.get("content")
        elif tag == "a" and (attrs.get("href") or "").startswith("tel:"):
            self.tel_links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.open_forms -= 1


def public_pages(client, checkup, open_day) -> dict[str, str]:
    """Every public page a client can reach, by name → URL (GET)."""
    appointment = book(checkup, at(open_day, 9))
    return {
        "start": reverse("online:home"),
        "picker": reverse("online:slots", args=[checkup.pk]) + f"?week={open_day.isoformat()}",
        "details": reverse(
            "online:details",
            kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 10)},
        ),
        "lookup": reverse("online:lookup"),
        "manage": link(appointment),
        "cancel": link(appointment, "online:manage_cancel"),
        "move": link(appointment, "online:manage_move") + f"?week={open_day.isoformat()}",
        "move confirm": link(appointment, "online:manage_move_confirm", start=at(open_day, 13)),
        "correct": link(appointment, "online:manage_correct"),
        "erase": link(appointment, "online:manage_erase"),
        "privacy notice": reverse("privacy:notice"),
        "privacy request": reverse("privacy:request"),
    }


def test_no_public_page_nests_a_form_and_each_has_its_own_description(client, checkup, open_day):
    descriptions = {}
    for name, url in public_pages(client, checkup, open_day).items():
        response = client.get(url)
        assert response.status_code == 200, name
        page = _Page()
        page.feed(response.content.decode())
        assert page.nested_forms == 0, name
        assert page.description, name
        assert "tel:+358400854343" in page.tel_links, name
        descriptions[name] = page.description
    assert len(set(descriptions.values())) == len(descriptions), descriptions
