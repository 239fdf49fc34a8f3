"""Erasure: what it changes, what it keeps, receipts, the ledger after a restore, retention."""

from datetime import timedelta
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from customers.models import Customer
from privacy.erasure import erase_person, reapply_erasures
from privacy.models import ConsentRecord, DataSubjectRequest, ErasureLedgerEntry, ErasureReceipt
from tests.concurrency import at_once
from tests.factories import (
    at,
    make_appointment,
    make_customer,
    make_practitioner,
    make_service,
    next_open_weekday,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(checkup, vet, open_day):
    customer = make_customer(name="Erin Erasable", phone="+358401110000", email="erin@example.com")
    past = make_appointment(
        checkup,
        vet,
        at(open_day, 9) - timedelta(days=60),
        customer=customer,
        status="completed",
        message="Old visit",
    )
    future = make_appointment(checkup, vet, at(open_day, 10), customer=customer, message="Limping dog")
    ConsentRecord.objects.create(
        customer=customer, purpose="marketing", given=True, text="t", language="fi", source="x"
    )
    request = DataSubjectRequest.objects.create(
        kind="erasure",
        channel="email",
        customer=customer,
        subject="Erin, erin@example.com",
        notes="Called from 0401110000",
    )
    return customer, past, future, request


def test_erasure_cancels_future_visits_and_keeps_anonymous_statistics(person):
    customer, past, future, request = person
    receipt = erase_person(customers=[customer], reason=ErasureReceipt.Reason.REQUEST, request=request)
    past.refresh_from_db()
    future.refresh_from_db()
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert past.customer is None and past.message == "" and past.status == "completed"
    assert future.customer is None and future.status == "cancelled" and future.cancelled_at
    assert future.manage_token_hash is None
    assert not ConsentRecord.objects.exists()
    request.refresh_from_db()
    assert request.subject == "" and "0401110000" not in request.notes and request.status == "completed"
    assert receipt.counts["customer_records"] == 1
    assert receipt.counts["appointments_cancelled"] == 1 and receipt.counts["appointments"] == 2
    assert "erin" not in str(receipt.counts).lower()


def test_the_ledger_erases_again_after_a_real_restore(person, tmp_path, checkup, vet, open_day):
    customer, *_ = person
    backup = tmp_path / "backup.json"
    with backup.open("w") as out:  # last night's backup, from before the erasure
        call_command("dumpdata", "customers", "bookings.appointment", "privacy", stdout=out)
    erase_person(customers=[customer], reason=ErasureReceipt.Reason.REQUEST)
    entry = ErasureLedgerEntry.objects.get()
    assert "erin" not in entry.email_digest and len(entry.email_digest) == 64
    ledger = tmp_path / "ledger.json"
    with ledger.open("w") as out:  # exported from the live database before restoring
        call_command("export_erasure_ledger", stdout=out)

    # Restore: the backup's rows come back, and its ledger does not know of the erasure.
    ErasureLedgerEntry.objects.all().delete()
    call_command("loaddata", str(backup), verbosity=0)
    assert Customer.objects.filter(pk=customer.pk).exists()
    newcomer = make_customer(
        name="Newcomer", phone="+358401110000", email="new@example.com"
    )  # recycled number
    out = StringIO()
    call_command("reapply_erasures", "--ledger", str(ledger), stdout=out)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Customer.objects.filter(pk=newcomer.pk).exists()
    assert "1 customer records" in out.getvalue()
    assert reapply_erasures() == []  # nothing left: harmless to run again


def test_a_broken_ledger_file_is_refused_with_a_message(tmp_path):
    from django.core.management import CommandError

    bad = tmp_path / "ledger.json"
    bad.write_text('{"not": "a ledger"}')
    with pytest.raises(CommandError):
        call_command("reapply_erasures", "--ledger", str(bad), stdout=StringIO())


def test_audit_entries_that_somehow_hold_the_persons_data_are_scrubbed(person):
    customer, past, *_ = person
    leaked = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Appointment),
        object_pk=str(past.pk),
        object_repr="Appointment",
        action=LogEntry.Action.UPDATE,
        changes={"note": ["", "Call Erin Erasable at erin@example.com"]},
        changes_text="erin@example.com",
    )
    erase_person(customers=[customer], reason=ErasureReceipt.Reason.REQUEST)
    leaked.refresh_from_db()
    assert "erin" not in str(leaked.changes).lower() and "erin" not in leaked.changes_text.lower()
    assert leaked.action == LogEntry.Action.UPDATE and leaked.timestamp  # the trail itself stays


def test_finnish_letters_and_client_addresses_do_not_survive_in_the_audit_log(checkup, vet, open_day):
    customer = make_customer(name="Äijä Jääskeläinen", email="aija@example.com")
    appointment = make_appointment(checkup, vet, at(open_day, 9), customer=customer)
    leaked = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Appointment),
        object_pk=str(appointment.pk),
        object_repr="Appointment",
        action=LogEntry.Action.CREATE,
        changes={"note": ["", "Soita Äijä Jääskeläinen"]},
        remote_addr="203.0.113.77",
    )
    erase_person(customers=[customer], reason=ErasureReceipt.Reason.REQUEST)
    leaked.refresh_from_db()
    assert "jääskeläinen" not in str(leaked.changes).lower() and leaked.remote_addr is None


def test_many_people_are_erased_one_transaction_each(checkup, vet):
    people = [make_customer(email=f"p{i}@example.com") for i in range(60)]
    receipts = erase_person(customers=people, reason=ErasureReceipt.Reason.REQUEST), None
    assert receipts[0].counts["customer_records"] == 60 and not Customer.objects.exists()


def test_dpo_erases_from_the_admin_with_a_confirmation_and_gets_a_receipt(client, dpo, person):
    customer, *_ = person
    client.force_login(dpo)
    found = client.post(reverse("admin:privacy_find"), {"q": "040 111 0000"}).content.decode()
    assert "Erin Erasable" in found
    confirm = client.post(reverse("admin:privacy_erase"), {"customers": [customer.pk]})
    assert confirm.status_code == 200 and Customer.objects.filter(pk=customer.pk).exists()
    assert "Limping" not in confirm.content.decode()  # the confirmation lists visits, not messages
    done = client.post(reverse("admin:privacy_erase"), {"customers": [customer.pk], "confirm": "yes"})
    receipt = ErasureReceipt.objects.get()
    assert done["Location"] == reverse("admin:privacy_erasurereceipt_change", args=[receipt.pk])
    assert receipt.actor == dpo
    assert client.get(done["Location"]).status_code == 200


def test_erasing_an_already_erased_person_from_the_admin_is_a_clear_message(client, dpo, person):
    customer, *_ = person
    client.force_login(dpo)
    client.post(reverse("admin:privacy_erase"), {"customers": [customer.pk], "confirm": "yes"})
    again = client.post(
        reverse("admin:privacy_erase"), {"customers": [customer.pk], "confirm": "yes"}, follow=True
    )
    assert again.status_code == 200
    assert ErasureReceipt.objects.count() == 1


def test_retention_is_off_by_default_and_erases_only_the_inactive(checkup, vet, open_day, settings):
    anonymous = make_appointment(
        checkup, vet, timezone.now() - timedelta(days=10), customer=None, status="completed"
    )
    assert anonymous.customer is None  # erased visits must not hide everyone else from retention
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "off" in out.getvalue()
    old = make_customer()
    Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=4 * 365))
    make_appointment(
        checkup, vet, timezone.now() - timedelta(days=3 * 365 + 30), customer=old, status="completed"
    )
    active = make_customer()
    Customer.objects.filter(pk=active.pk).update(created_at=timezone.now() - timedelta(days=4 * 365))
    make_appointment(checkup, vet, at(open_day, 9), customer=active)
    dry = StringIO()
    call_command("apply_retention", "--years", "3", "--dry-run", stdout=dry)
    assert "1 customer records would be erased" in dry.getvalue()
    assert Customer.objects.filter(pk=old.pk).exists()
    call_command("apply_retention", "--years", "3", stdout=StringIO())
    assert not Customer.objects.filter(pk=old.pk).exists() and Customer.objects.filter(pk=active.pk).exists()
    again = StringIO()
    call_command("apply_retention", "--years", "3", stdout=again)
    assert "nothing to erase" in again.getvalue()
    assert ErasureReceipt.objects.filter(reason="retention").count() == 1


def test_retention_works_on_leap_day():
    from datetime import date

    from privacy.erasure import persons_past_retention

    assert persons_past_retention(years=3, today=date(2028, 2, 29)) == []


@pytest.mark.django_db(transaction=True)
def test_two_officers_erasing_the_same_person_at_once_erase_once(staff_roles):
    vet = make_practitioner("Aino")
    service = make_service([vet])
    customer = make_customer(email="race@example.com")
    make_appointment(service, vet, at(next_open_weekday(), 9), customer=customer)

    def erase():
        return erase_person(customers=[customer], reason=ErasureReceipt.Reason.REQUEST)

    results = at_once([erase, erase])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.counts.get("customer_records", 0) for r in results) == [0, 1]
    assert not Customer.objects.exists()
