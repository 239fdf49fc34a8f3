"""The proof of erasure: a person with unmistakable values goes through everything the product
does; every table holding them is a location of the registry; every value erasure removes was in
their export; and after erasure no table of the whole database holds any of their values."""

import json
import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from bookings.models import Appointment
from bookings.services import set_sms_opt_in
from bookings.tokens import manage_token
from customers.models import Customer
from inuvet import roles
from notifications.models import OutboxMessage
from privacy.erasure import erase_person
from privacy.exports import person_data
from privacy.models import ErasureReceipt
from privacy.registry import REGISTRY, Person, claimed_fields, find_everywhere
from tests.factories import at, make_practitioner, make_service, make_staff, next_open_weekday
from waitlist.models import WaitlistEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("staff_roles")]

NAME = "Zyxwa Sentinelsson"
PHONE_TYPED = "040 987 1234"
PHONE_E164 = "+358409871234"
EMAIL = "zyxwa.sentinel@example.org"
MESSAGE = "Qwrtz sentinel message about the cat"
NEW_NAME = "Zyxwa Renamedsson"
ANIMAL = "Pörrövaxi"  # the animal's name: personal data of the owner's booking
SENTINELS = [
    "Zyxwa",
    "Sentinelsson",
    "Renamedsson",
    "zyxwa.sentinel",
    "409871234",  # the phone in every stored spelling: +358409871234, 0409871234, 040 987 1234
    "987 1234",
    "Qwrtz",
    "Pörrövaxi",
]


def dump_rows() -> list[tuple[str, str]]:
    """(table, text) of every row of every table in the database (all apps, migrations and sessions)."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from introspection
            rows += [(table, " | ".join(_text(value) for value in row)) for row in cursor.fetchall()]
    # Session data is stored signed and encoded: read it as the application would.
    rows += [("django_session", str(session.get_decoded())) for session in Session.objects.all()]
    return rows


def dump_every_table() -> str:
    return "\n".join(f"{table}: {text}" for table, text in dump_rows())


def _text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def found(dump: str) -> list[str]:
    lowered = dump.lower()
    return [s for s in SENTINELS if s.lower() in lowered]


def drive_the_person_through_everything(settings) -> Appointment:
    settings.RATE_LIMITS_ENABLED = False
    vet = make_practitioner("Aino Virtanen")
    service = make_service([vet], name="Terveystarkastus")
    day = next_open_weekday()
    reception = make_staff("reception", roles.RECEPTION)
    dpo = make_staff("dpo", roles.DATA_PROTECTION_OFFICER)

    # The client books online (with consent and a message), after first losing a slot: the
    # typed details wait in the session.
    client = Client()
    taken_path = reverse(
        "online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": at(day, 8)}
    )
    page = client.get(taken_path).content.decode()
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    other = Client()
    other_page = other.get(taken_path).content.decode()
    other_key = re.search(r'name="request_key" value="([^"]+)"', other_page).group(1)
    other.post(taken_path, {"name": "Other Person", "phone": "0401112223", "email": "other@example.com",
                            "request_key": other_key})  # fmt: skip
    details = {
        "name": NAME,
        "phone": PHONE_TYPED,
        "email": EMAIL.upper(),
        "message": MESSAGE,
        "animal_name": ANIMAL,
        "marketing_consent": "on",
    }
    client.post(taken_path, {**details, "request_key": key})  # slot taken: the draft goes to the session
    path = reverse(
        "online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": at(day, 9)}
    )
    page = client.get(path).content.decode()
    assert NAME in page  # the draft came back
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    client.post(path, {**details, "request_key": key})
    appointment = Appointment.objects.get(customer__email=EMAIL.lower())
    token = manage_token(appointment.reference)

    # The client asks for text messages, moves the booking and opens the manage page.
    set_sms_opt_in(appointment=appointment, wanted=True)
    move = {"reference": appointment.reference, "token": token, "start": at(day, 13)}
    client.post(reverse("online:manage_move_confirm", kwargs=move))
    client.get(reverse("online:manage", args=[appointment.reference, token]))
    client.post(reverse("online:lookup"), {"reference": appointment.reference, "email": EMAIL})
    # A second booking attempt loses its slot and is abandoned: the typed details stay in the session.
    client.post(taken_path, {**details, "request_key": "abandoned-attempt"})
    assert client.session.get("booking_draft", {}).get("name") == NAME
    client.post(reverse("privacy:request"), {"email": EMAIL})
    # They join the waiting list for an earlier time.
    client.post(
        reverse("online:waitlist_join", args=[service.pk]),
        {"first_day": day.isoformat(), "last_day": day.isoformat(), "name": NAME, "phone": PHONE_TYPED,
         "email": EMAIL},
    )  # fmt: skip
    assert WaitlistEntry.objects.filter(email=EMAIL.lower()).exists()

    # Staff: a failed sign-in with the client's email as user name; reception views and edits.
    Client().post(reverse("admin:login"), {"username": EMAIL, "password": "not-a-password"})
    desk = Client()
    desk.force_login(reception)
    desk.get(reverse("admin:customers_customer_change", args=[appointment.customer_id]))
    desk.get(reverse("admin:bookings_appointment_change", args=[appointment.pk]))
    desk.get(reverse("admin:customers_customer_changelist"), {"q": PHONE_TYPED})
    # Reception finds them on the booking desk, books a phone visit, and cancels it with a reason
    # that (against the guidance) names them.
    desk.post(reverse("admin:calendar_book"), {"action": "search", "q": PHONE_TYPED})
    desk.post(
        reverse("admin:calendar_book"),
        {"action": "book", "service": service.pk, "date": day.isoformat(), "time": "14:00", "source": "phone",
         "customer": appointment.customer_id, "language": "fi", "request_key": "sweep-desk-booking"},
    )  # fmt: skip
    phone_visit = Appointment.objects.get(source="phone")
    desk.post(
        reverse("admin:bookings_appointment_cancel", args=[phone_visit.pk]),
        {"reason": f"{NAME} asked", "notify": "on"},
    )
    assert Appointment.objects.get(pk=phone_visit.pk).cancel_reason == f"{NAME} asked"
    desk.post(
        reverse("admin:customers_customer_change", args=[appointment.customer_id]),
        {"name": NEW_NAME, "phone": PHONE_TYPED, "email": EMAIL,
         "appointments-TOTAL_FORMS": "0", "appointments-INITIAL_FORMS": "0"},
    )  # fmt: skip
    # The data-protection officer finds the person and exports their data.
    office = Client()
    office.force_login(dpo)
    office.post(reverse("admin:privacy_find"), {"q": EMAIL})
    export = office.post(reverse("admin:privacy_export"), {"customers": [appointment.customer_id]})
    assert export["Content-Type"] == "application/zip", (export.status_code, export.content[:300])
    assert mail.outbox, "emails were sent"
    assert OutboxMessage.objects.filter(channel="sms", recipient=PHONE_E164).exists(), "a text was sent"
    return appointment


def test_every_table_holding_the_person_is_in_the_registry_and_their_export_has_every_value():
    """Export and erasure iterate the same registry: what erasure removes, the person was shown."""
    from django.conf import settings as django_settings

    drive_the_person_through_everything(django_settings)
    registry_tables = {apps.get_model(label)._meta.db_table for label in claimed_fields()}
    holding = {table for table, text in dump_rows() if found(text)}
    assert holding, "the person left values in the database"
    assert holding <= registry_tables, holding - registry_tables

    customers = list(Customer.objects.filter(email=EMAIL.lower()))
    person = Person(customers)
    rows = find_everywhere(person)
    exported = person_data(customers, language="fi")
    checked = 0
    for location in REGISTRY:
        section = json.dumps(exported[location.key], ensure_ascii=False, default=str).lower()
        for row in rows[location.key]:
            for name in location.personal_fields.get(row._meta.label, ()):
                value = row.get_decoded() if isinstance(row, Session) else getattr(row, name)
                for sentinel in found(json.dumps(value, ensure_ascii=False, default=str)):
                    assert sentinel.lower() in section, (location.key, name, sentinel)
                    checked += 1
    assert checked > 20  # the person is in many places: customer, bookings, emails, sessions, sign-ins…


def test_after_erasure_no_table_holds_any_trace_of_the_person(settings):
    appointment = drive_the_person_through_everything(settings)
    before = found(dump_every_table())
    assert {"Zyxwa", "Sentinelsson", "Renamedsson", "zyxwa.sentinel", "409871234", "Qwrtz", ANIMAL} <= set(
        before
    )

    found_by_the_dpo = list(Customer.objects.filter(email=EMAIL.lower()))
    receipt = erase_person(customers=found_by_the_dpo, reason=ErasureReceipt.Reason.REQUEST)

    dump = dump_every_table()
    assert found(dump) == [], [line for line in dump.splitlines() if found(line)][:20]
    appointment.refresh_from_db()
    assert appointment.customer_id is None and appointment.message == "" and appointment.animal_name == ""
    assert appointment.service.name == "Terveystarkastus" and appointment.start  # statistics remain
    assert receipt.counts["customer_records"] == 1 and not found(str(receipt.counts))


def test_erasing_twice_is_harmless(settings):
    drive_the_person_through_everything(settings)
    customers = list(Customer.objects.filter(email=EMAIL.lower()))
    erase_person(customers=customers, reason=ErasureReceipt.Reason.REQUEST)
    again = erase_person(customers=customers, reason=ErasureReceipt.Reason.REQUEST)
    assert again.counts.get("customer_records") == 0
    assert found(dump_every_table()) == []
