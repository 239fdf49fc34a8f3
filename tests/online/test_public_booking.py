"""The public booking flow through the test client, every step and every error path."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.services import move_appointment
from bookings.tokens import manage_token
from customers.models import Customer
from notifications.models import OutboxMessage
from online.converters import SlotStartConverter
from privacy.models import ConsentRecord
from tests.factories import at, make_appointment, make_closure, make_practitioner, make_service

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "Maija Meikäläinen",
    "phone": "040 123 4567",
    "email": "maija@example.com",
    "message": "Kissa, rokotus",
}


def details_url(service, start, practitioner=None):
    return reverse(
        "online:details", kwargs={"service_id": service.pk, "practitioner": practitioner, "start": start}
    )


def open_form(client, service, start, practitioner=None):
    response = client.get(details_url(service, start, practitioner))
    assert response.status_code == 200, response
    key = re.search(r'name="request_key" value="([^"]+)"', response.content.decode()).group(1)
    return key


def submit(client, service, start, practitioner=None, **overrides):
    key = overrides.pop("request_key", None) or open_form(client, service, start, practitioner)
    return client.post(
        details_url(service, start, practitioner), {**DETAILS, "request_key": key, **overrides}
    )


# Start page and slot picker -----------------------------------------------------------------------


def test_start_page_lists_services_contact_details_language_switch_and_manage_link(client, checkup):
    hidden = make_service([], name="Staff only", bookable_online=False)
    page = client.get("/").content.decode()
    assert "Terveystarkastus" in page and hidden.name not in page
    assert "Härkikuja 1B" in page and "inuvet@inuvet.fi" in page
    assert '<a href="tel:+358400854343" class="phone">040 085 4343</a>' in page
    assert 'href="/language/sv/?next=/"' in page and 'href="/language/en/?next=/"' in page
    assert "csrfmiddlewaretoken" not in page  # nothing on it is personal: the page can be shared
    assert reverse("online:lookup") in page and reverse("privacy:notice") in page
    assert '<html lang="fi">' in page


def test_language_switch_is_remembered(client, checkup):
    response = client.get(reverse("choose_language", args=["sv"]) + "?next=/book/1/%3Fweek%3Dfirst")
    assert response.status_code == 302 and response["Location"] == "/book/1/?week=first"
    page = client.get("/").content.decode()
    assert '<html lang="sv">' in page


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_language_switch_goes_only_to_this_sites_pages(client, next_url):
    response = client.get(reverse("choose_language", args=["en"]), {"next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_unknown_language_is_not_found(client):
    response = client.get("/language/de/?next=/")
    assert response.status_code == 404 and not response.cookies


def test_browser_language_does_not_override_finnish(client, checkup):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fi">' in page


def test_slot_picker_offers_free_times_of_the_week(client, checkup, open_day):
    make_appointment(checkup, checkup.practitioners.first(), at(open_day, 9))
    response = client.get(reverse("online:slots", args=[checkup.pk]), {"week": open_day.isoformat()})
    page = response.content.decode()
    assert details_url(checkup, at(open_day, 8, 30)) in page
    assert details_url(checkup, at(open_day, 9)) not in page  # taken
    assert details_url(checkup, at(open_day, 8, 45)) not in page  # would run into the 9.00 visit


def test_slot_picker_never_offers_past_today_or_closed_days(client, checkup):
    today = timezone.localdate()
    make_closure(at(today + timedelta(days=1), 0), at(today + timedelta(days=3), 0))
    page = client.get(reverse("online:slots", args=[checkup.pk])).content.decode()
    for offset in (-1, 0, 1, 2):
        day = today + timedelta(days=offset)
        assert f"/{day:%Y%m%d}T" not in page


def test_slot_picker_for_one_practitioner(client, vet, checkup, open_day):
    other = make_practitioner("Mikko")
    checkup.practitioners.add(other)
    make_appointment(checkup, vet, at(open_day, 9))
    url = reverse("online:slots", args=[checkup.pk])
    any_page = client.get(url, {"week": open_day.isoformat()}).content.decode()
    assert details_url(checkup, at(open_day, 9)) in any_page  # Mikko is free
    vet_page = client.get(url, {"week": open_day.isoformat(), "practitioner": vet.pk}).content.decode()
    assert details_url(checkup, at(open_day, 9), vet.pk) not in vet_page
    assert details_url(checkup, at(open_day, 10), vet.pk) in vet_page


def test_unknown_practitioner_in_picker_shows_everyone_with_a_message(en_client, checkup, open_day):
    response = en_client.get(
        reverse("online:slots", args=[checkup.pk]), {"practitioner": "999999", "week": "junk"}
    )
    assert response.status_code == 200
    assert "Choose a practitioner from the list." in response.content.decode()


def test_empty_week_says_when_the_next_free_time_is(en_client, vet, checkup, open_day):
    monday = open_day - timedelta(days=open_day.weekday())
    make_closure(at(monday, 0), at(monday + timedelta(days=7), 0))
    page = en_client.get(
        reverse("online:slots", args=[checkup.pk]), {"week": monday.isoformat()}
    ).content.decode()
    assert "No free times this week." in page
    assert "The next free time is" in page
    assert f"week={monday + timedelta(days=7)}" in page


def test_jump_to_the_first_week_with_free_times(client, checkup):
    today = timezone.localdate()
    make_closure(at(today, 0), at(today + timedelta(days=20), 0))
    response = client.get(reverse("online:slots", args=[checkup.pk]), {"week": "first"})
    first_free_day = response.context["week"].days
    assert any(slots for _, slots in first_free_day)
    assert response.context["week"].monday >= today + timedelta(days=20) - timedelta(days=6)


@pytest.mark.parametrize("count", [1000, 20000])
def test_slot_picker_runs_a_constant_number_of_queries(
    client, django_assert_max_num_queries, count, open_day
):
    vets = [make_practitioner(f"Vet {i}") for i in range(3)]
    service = make_service(vets)
    _bulk_history(service, vets, count)
    url = reverse("online:slots", args=[service.pk])
    # Rendered, not from the page cache: the practitioners' versions, then five for the week.
    with django_assert_max_num_queries(6):
        response = client.get(url, {"week": open_day.isoformat()})
    assert response.status_code == 200 and response.context["week"].is_empty is False
    # The free times were rendered, each a link to its details form.
    assert response.content.count(f'href="/book/{service.pk}/any/'.encode()) > 10
    far = (timezone.localdate() + timedelta(days=service.max_days_ahead + 30)).isoformat()
    with django_assert_max_num_queries(9):
        response = client.get(url, {"week": far})
    assert response.status_code == 200 and response.context["week"].is_empty


def _bulk_history(service, vets, count):
    """`count` past appointments, bulk-inserted (the picker must not care how many there are)."""
    start = timezone.now() - timedelta(days=3 * 365)
    rows = []
    for i in range(count):
        s = start + timedelta(minutes=30 * (i // len(vets)))
        rows.append(
            Appointment(
                reference=f"{i:06d}",
                service=service,
                practitioner=vets[i % len(vets)],
                start=s,
                end=s + timedelta(minutes=30),
                occupied_start=s,
                occupied_end=s + timedelta(minutes=30),
                status="completed",
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=5000)


# Details form and booking ---------------------------------------------------------------------------


def test_details_form_has_the_named_fields_privacy_link_and_unticked_consent(client, checkup, open_day):
    page = client.get(details_url(checkup, at(open_day, 9))).content.decode()
    for field in ("name", "phone", "email", "message"):
        assert f'name="{field}"' in page
    assert reverse("privacy:notice") in page
    consent = re.search(r"<input[^>]*name=\"marketing_consent\"[^>]*>", page).group(0)
    assert 'type="checkbox"' in consent and "checked" not in consent
    assert 'for="id_name"' in page  # labels tied to inputs
    assert "no-store" in client.get(details_url(checkup, at(open_day, 9)))["Cache-Control"]


def test_booking_end_to_end_confirms_emails_ics_and_opens_manage_page(
    client, checkup, open_day, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_URL = "https://www.inuvet.fi/ajanvaraus/"
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, checkup, at(open_day, 9))
    appointment = Appointment.objects.get()
    token = manage_token(appointment.reference)
    assert response.status_code == 302
    assert response["Location"] == reverse("online:manage", args=[appointment.reference, token]) + "?booked"
    page = client.get(response["Location"]).content.decode()
    assert appointment.display_reference in page
    assert "Terveystarkastus" in page and "Maija Meikäläinen" in page
    assert "Thank you! Your booking is confirmed." in page or "Kiitos" in page
    assert reverse("online:manage_ics", args=[appointment.reference, token]) in page

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["maija@example.com"]
    assert appointment.display_reference in email.subject
    assert f"https://www.inuvet.fi/ajanvaraus/manage/{appointment.reference}/{token}/" in email.body
    assert email.alternatives and email.alternatives[0][1] == "text/html"
    filename, ics, mimetype = email.attachments[0]
    assert mimetype == "text/calendar; method=PUBLISH" and filename.endswith(".ics")
    assert "BEGIN:VEVENT" in ics and appointment.reference in ics
    assert "Maija" not in ics and "maija@" not in ics
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


@pytest.mark.parametrize(
    "language, page_text, subject_start",
    [
        ("fi", "Varauksesi", "Varauksesi"),
        ("sv", "Din bokning", "Din bokning"),
        ("en", "Your booking", "Your booking"),
    ],
)
def test_booking_pages_and_email_are_in_the_clients_language(
    client, checkup, open_day, django_capture_on_commit_callbacks, language, page_text, subject_start
):
    client.get(reverse("choose_language", args=[language]))
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, checkup, at(open_day, 9))
    assert Appointment.objects.get().language == language
    assert page_text in client.get(response["Location"]).content.decode()
    assert mail.outbox[0].subject.startswith(subject_start)


def test_marketing_consent_is_recorded_only_when_the_address_holder_confirms_it(client, checkup, open_day):
    """Ticking the box sends a link to the address; only its holder's press records the consent."""
    submit(client, checkup, at(open_day, 9))
    assert not ConsentRecord.objects.exists() and not OutboxMessage.objects.filter(kind="marketing_confirm")
    submit(client, checkup, at(open_day, 10), marketing_consent="on", email="other@example.com")
    assert not ConsentRecord.objects.exists()  # someone typed the address; its holder has not said yes
    link = re.search(
        r"/manage/\S+/marketing/\S+/", OutboxMessage.objects.get(kind="marketing_confirm").body_text
    )
    assert client.get(link.group(0)).status_code == 200  # opening the link (a mail scanner) records nothing
    assert not ConsentRecord.objects.exists()
    client.post(link.group(0))
    record = ConsentRecord.objects.get()
    assert record.given and record.language == "fi" and record.purpose == "marketing"
    assert "news and offers" in record.text or "uutisia" in record.text
    assert record.customer.email == "other@example.com" and record.customer.email_confirmed_at
    wrong = link.group(0).rstrip("/").rsplit("/", 1)[0] + "/aaaaaaaaaaaaaaaa/"
    assert client.post(wrong).status_code == 404


def test_double_submit_gives_one_booking(client, checkup, open_day, django_capture_on_commit_callbacks):
    key = open_form(client, checkup, at(open_day, 9))
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(client, checkup, at(open_day, 9), request_key=key)
        second = submit(client, checkup, at(open_day, 9), request_key=key)
    assert first["Location"] == second["Location"]
    assert Appointment.objects.count() == 1
    assert len(mail.outbox) == 1


def test_slot_taken_shows_the_form_again_as_typed_with_other_times_to_book(client, checkup, open_day):
    key = open_form(client, checkup, at(open_day, 9))
    make_appointment(checkup, checkup.practitioners.first(), at(open_day, 9))  # someone was faster
    response = client.post(details_url(checkup, at(open_day, 9)), {**DETAILS, "request_key": key})
    page = response.content.decode()
    assert response.status_code == 409
    assert "juuri varattu" in page and page.count("<title>Virhe: ") == 1
    assert 'value="Maija Meikäläinen"' in page and 'value="maija@example.com"' in page
    assert "Kissa, rokotus</textarea>" in page
    # Each other time is a button of the same form: one click books it with what was typed.
    other = details_url(checkup, at(open_day, 9, 30))
    assert f'formaction="{other}"' in page
    assert f'formaction="{details_url(checkup, at(open_day, 9))}"' not in page
    booked = client.post(other, {**DETAILS, "request_key": key})
    assert booked.status_code == 302
    assert Appointment.objects.filter(customer__email="maija@example.com", start=at(open_day, 9, 30)).exists()


def test_slot_taken_keeps_the_details_for_a_time_chosen_from_the_picker_too(client, checkup, open_day):
    key = open_form(client, checkup, at(open_day, 9))
    make_appointment(checkup, checkup.practitioners.first(), at(open_day, 9))
    client.post(details_url(checkup, at(open_day, 9)), {**DETAILS, "request_key": key})
    next_form = client.get(details_url(checkup, at(open_day, 10))).content.decode()
    assert 'value="Maija Meikäläinen"' in next_form and 'value="maija@example.com"' in next_form
    assert Appointment.objects.count() == 1


def test_enter_on_the_taken_form_books_nothing_by_itself(client, checkup, open_day):
    key = open_form(client, checkup, at(open_day, 9))
    make_appointment(checkup, checkup.practitioners.first(), at(open_day, 9))
    page = client.post(
        details_url(checkup, at(open_day, 9)), {**DETAILS, "request_key": key}
    ).content.decode()
    form = page[page.index('<form method="post" novalidate class="details-form">') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert "disabled" in first_button and "formaction" not in first_button  # the default button


def test_back_after_booking_shows_the_clients_own_booking(client, checkup, open_day):
    booked = submit(client, checkup, at(open_day, 9))
    back = client.get(details_url(checkup, at(open_day, 9)), follow=True)
    page = back.content.decode()
    appointment = Appointment.objects.get()
    assert back.redirect_chain[-1][0] + "?booked" == booked["Location"]
    assert appointment.display_reference in page and "alert-danger" not in page
    # Another browser going to the same time hears only that it is not free.
    other = Client().get(details_url(checkup, at(open_day, 9)), follow=True).content.decode()
    assert appointment.display_reference not in other and "ei ole vapaana" in other
    # Once moved away, this browser gets the form of the (free again) time, not a stale booking.
    move_appointment(appointment=appointment, start=at(open_day, 13), by_client=True)
    again = client.get(details_url(checkup, at(open_day, 9)))
    assert again.status_code == 200 and 'name="request_key"' in again.content.decode()


def test_details_page_says_until_when_the_booking_can_be_changed_online(client, checkup, open_day):
    page = client.get(details_url(checkup, at(open_day, 9))).content.decode()
    deadline = at(open_day, 9) - timedelta(hours=checkup.cancel_cutoff)
    assert "voit siirtää tai perua" in page.lower() and f"klo {deadline:%-H.%M}" in page


def test_times_inside_the_change_cutoff_are_marked_before_booking(client, checkup):
    checkup.cancel_cutoff = 24 * 10  # everything offered this week is inside the cut-off
    checkup.save()
    picker = client.get(reverse("online:slots", args=[checkup.pk]), {"week": "first"}).content.decode()
    assert "slot-locked" in picker and "locked-legend" in picker
    first = re.search(r'class="btn btn-outline-primary slot slot-locked" href="([^"]+)"', picker).group(1)
    details = client.get(first).content.decode()
    assert "change-deadline" in details and "tel:+358400854343" in details
    assert "voit siirtää tai perua tämän varauksen verkossa" not in details.lower()


def test_a_time_past_the_cutoff_is_not_marked(client, checkup, open_day):
    picker = client.get(reverse("online:slots", args=[checkup.pk]), {"week": open_day.isoformat()})
    assert "slot-locked" not in picker.content.decode()


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", "x" * 300),
        ("name", "Null\x00byte"),
        ("phone", "not a phone"),
        ("phone", "1" * 40),
        ("email", "nobody"),
        ("message", "m" * 501),
        ("message", "bell\x07"),
    ],
)
def test_bad_details_get_a_message_in_the_page_and_nothing_is_written(
    client, checkup, open_day, field, value
):
    response = submit(client, checkup, at(open_day, 9), **{field: value})
    assert response.status_code == 200
    assert (
        'class="invalid-feedback' in response.content.decode() or "alert-danger" in response.content.decode()
    )
    assert not Appointment.objects.exists() and not Customer.objects.exists()


def test_emoji_and_accents_are_fine(client, checkup, open_day):
    response = submit(client, checkup, at(open_day, 9), name="Åsa Öberg 🐶", message="Koira 🐕 ontuu")
    assert response.status_code == 302
    assert Customer.objects.get().name == "Åsa Öberg 🐶"


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(lambda day: at(day, 9, 5), id="off the grid"),
        pytest.param(lambda day: timezone.now() - timedelta(days=2), id="in the past"),
        pytest.param(lambda day: at(day + timedelta(days=(5 - day.weekday()) % 7), 10), id="closed day"),
    ],
)
def test_forged_slots_are_refused_with_a_message(client, checkup, open_day, start):
    when = start(open_day).replace(second=0, microsecond=0)
    response = client.get(details_url(checkup, when), follow=True)
    assert (
        "That time is not available" in response.content.decode()
        or "ei ole vapaana" in response.content.decode()
    )
    post = client.post(details_url(checkup, when), {**DETAILS, "request_key": "k" * 20})
    assert post.status_code == 409
    assert "Aikaa ei voi varata" in post.content.decode()
    assert not Appointment.objects.exists()


def test_another_practitioners_id_is_refused(client, checkup, open_day):
    stranger = make_practitioner("Not this service")
    response = client.get(details_url(checkup, at(open_day, 9), stranger.pk), follow=True)
    assert (
        "does not offer this service" in response.content.decode() or "ei tarjoa" in response.content.decode()
    )
    client.post(details_url(checkup, at(open_day, 9), stranger.pk), {**DETAILS, "request_key": "k" * 20})
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/book/999999/any/20301207T0700Z/",  # forged service
        "/book/1/any/20261399T0700Z/",  # not a date
        "/book/1/0/20301207T0700Z/",  # practitioner 0
        "/book/abc/",
        "/book/1/any/99991231T2300Z/",  # the end of time
        "/book/1/any/00010101T0000Z/",  # its beginning
    ],
)
def test_forged_urls_are_404_not_500(client, checkup, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "2026-02-30", "x" * 300])
def test_far_away_or_broken_weeks_show_a_week_not_an_error(client, checkup, week):
    assert client.get(reverse("online:slots", args=[checkup.pk]), {"week": week}).status_code == 200


def test_missing_csrf_token_is_refused_and_nothing_is_written(checkup, open_day):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(details_url(checkup, at(open_day, 9)), {**DETAILS, "request_key": "k" * 20})
    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_service_not_bookable_online_has_no_public_pages(client, checkup, open_day):
    checkup.bookable_online = False
    checkup.save()
    assert client.get(reverse("online:slots", args=[checkup.pk])).status_code == 404
    assert client.get(details_url(checkup, at(open_day, 9))).status_code == 404


def test_too_many_bookings_is_explained_and_the_links_can_be_emailed(client, checkup, open_day, settings):
    settings.BOOKING_MAX_ACTIVE_PER_PERSON = 1
    submit(client, checkup, at(open_day, 9))
    first = Appointment.objects.get()
    Customer.objects.filter(pk=first.customer_id).update(email_confirmed_at=timezone.now())
    response = submit(client, checkup, at(open_day, 10))
    page = response.content.decode()
    assert response.status_code == 400  # the status of any form error: it says no more than the page
    assert "maximum number of upcoming bookings" in page or "enimmäismäärä" in page
    assert reverse("online:send_my_links") in page
    mail.outbox.clear()
    sent = client.post(reverse("online:send_my_links"), {"email": first.customer.email})
    nothing = client.post(reverse("online:send_my_links"), {"email": "no-bookings@example.com"})
    assert sent.status_code == nothing.status_code == 200
    assert sent.content.replace(b"no-bookings@example.com", b"") != b"" and len(mail.outbox) <= 1
    assert OutboxMessage.objects.filter(kind="my_bookings", recipient=first.customer.email).count() == 1
    assert not OutboxMessage.objects.filter(recipient="no-bookings@example.com").exists()


def wsgi_get(path: str, script_name: str) -> tuple[str, dict, str]:
    """A request through Django's real WSGI handler, as gunicorn behind a proxy makes it."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import set_script_prefix

    environ = {"PATH_INFO": path, "SCRIPT_NAME": script_name, "HTTP_HOST": "localhost"}
    setup_testing_defaults(environ)
    captured = {}

    def start_response(status, headers):
        captured.update(status=status, headers=dict(headers))

    try:
        body = b"".join(WSGIHandler()(environ, start_response)).decode()
    finally:
        set_script_prefix("/")  # the handler set it for this thread; later tests expect none
    return captured["status"], captured["headers"], body


@pytest.mark.django_db(transaction=True)
def test_every_link_honours_the_script_prefix(settings):
    settings.FORCE_SCRIPT_NAME = "/ajanvaraus"
    settings.STATIC_URL = "/ajanvaraus/static/"  # as inuvet.settings derives it from DJANGO_SCRIPT_NAME
    vet = make_practitioner("Aino")
    service = make_service([vet])
    for page in ("/", f"/book/{service.pk}/", "/manage/", "/privacy/"):
        status, _, body = wsgi_get(page, "/ajanvaraus")
        assert status.startswith("200"), (page, status)
        links = re.findall(r'(?:href|action)="(/[^"]*)"', body)
        assert links and all(link.startswith("/ajanvaraus/") for link in links), (page, links)


def test_slot_start_converter_round_trips():
    converter = SlotStartConverter()
    when = at(timezone.localdate(), 9)
    assert converter.to_python(converter.to_url(when)) == when
