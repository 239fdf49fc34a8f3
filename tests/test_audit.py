"""The audit log: every staff action with actor, time and address; views as access entries;
sign-in events; personal fields masked; entries that nobody can change or delete."""

import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from customers.models import Customer
from inuvet import roles
from tests.factories import at, make_appointment, make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def entries(model, action, actor=None):
    found = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), action=action)
    return found.filter(actor=actor) if actor else found


def test_a_scripted_staff_session_leaves_one_entry_per_action(
    client, reception, practitioner_user, vet, checkup, open_day
):
    assert (
        client.post(reverse("admin:login"), {"username": "reception", "password": PASSWORD}).status_code
        == 302
    )
    assert AccessLog.objects.filter(username="reception", logout_time__isnull=True).count() == 1

    client.post(
        reverse("admin:calendar_book"),
        {"action": "book", "service": checkup.pk, "practitioner": vet.pk, "date": open_day.isoformat(),
         "time": "10:00", "source": "phone", "name": "Audit Person", "phone": "0401231234", "language": "fi",
         "request_key": "audit-1"},
    )  # fmt: skip
    appointment = Appointment.objects.get()
    customer = appointment.customer
    assert entries(Appointment, LogEntry.Action.CREATE, reception).count() == 1
    assert entries(Customer, LogEntry.Action.CREATE, reception).count() == 1

    client.post(
        reverse("admin:bookings_appointment_move", args=[appointment.pk]),
        {"date": open_day.isoformat(), "time": "13:00", "practitioner": vet.pk},
    )
    moved = entries(Appointment, LogEntry.Action.UPDATE, reception).get()
    assert "start" in moved.changes_dict and moved.remote_addr == "127.0.0.1"

    client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        {"name": "Audit Person Renamed", "phone": "0401231234", "email": "",
         "appointments-TOTAL_FORMS": "0", "appointments-INITIAL_FORMS": "0"},
    )  # fmt: skip
    customer.refresh_from_db()
    assert customer.name == "Audit Person Renamed"
    renamed = entries(Customer, LogEntry.Action.UPDATE, reception).get()
    assert renamed.changes_dict["name"] == ["•••", "•••"]

    client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert entries(Customer, LogEntry.Action.ACCESS, reception).count() == 1
    client.get(reverse("admin:bookings_appointment_change", args=[appointment.pk]))
    assert entries(Appointment, LogEntry.Action.ACCESS, reception).count() == 1
    assert entries(Customer, LogEntry.Action.ACCESS, reception).count() == 2

    client.post(reverse("admin:bookings_appointment_cancel", args=[appointment.pk]))
    assert entries(Appointment, LogEntry.Action.UPDATE, reception).count() == 2

    client.post(reverse("admin:logout"))
    assert AccessLog.objects.filter(username="reception", logout_time__isnull=False).count() == 1

    other = make_appointment(checkup, vet, timezone.now() - timedelta(minutes=5))  # begun: may be marked
    client.force_login(practitioner_user)
    client.post(reverse("admin:bookings_appointment_status", args=[other.pk]), {"status": "arrived"})
    status_entry = entries(Appointment, LogEntry.Action.UPDATE, practitioner_user).get()
    assert status_entry.changes_dict["status"] == ["confirmed", "arrived"]


def test_failed_sign_in_is_recorded(client, reception):
    client.post(reverse("admin:login"), {"username": "reception", "password": "wrong"})
    assert AccessFailureLog.objects.filter(username="reception").count() == 1


def test_no_personal_value_reaches_the_audit_log(client, reception, vet, checkup, open_day):
    client.force_login(reception)
    appointment = make_appointment(checkup, vet, at(open_day, 9), message="Sentinel message Zq")
    customer = appointment.customer
    client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        {"name": "Sentinel Name Zq", "phone": "040 999 8877", "email": "sentinel.zq@example.com",
         "appointments-TOTAL_FORMS": "0", "appointments-INITIAL_FORMS": "0"},
    )  # fmt: skip
    client.get(reverse("admin:bookings_appointment_change", args=[appointment.pk]))
    dump = serializers.serialize("json", LogEntry.objects.all())
    for sentinel in ("Zq", "358409998877", "999 8877", "sentinel.zq"):
        assert sentinel not in dump
    assert LogEntry.objects.filter(object_repr__icontains="customer").exists() or LogEntry.objects.exists()
    assert json.loads(dump)


@pytest.mark.parametrize(
    "role",
    [roles.RECEPTION, roles.PRACTITIONER, roles.DATA_PROTECTION_OFFICER, roles.ADMINISTRATOR, "superuser"],
)
def test_nobody_can_add_change_or_delete_audit_entries(client, role, checkup, vet, open_day):
    user = (
        get_user_model().objects.create_superuser("root", password=PASSWORD)
        if role == "superuser"
        else make_staff(f"u-{role[:5]}", role)
    )
    make_appointment(checkup, vet, at(open_day, 9))  # some entries exist
    log = AccessLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="t", path_info="/")
    failure = AccessFailureLog.objects.create(
        username="x", ip_address="10.0.0.1", user_agent="t", path_info="/", locked_out=False
    )
    entry = LogEntry.objects.first()
    client.force_login(user)  # a sign-in adds an access log record of its own
    before = (LogEntry.objects.count(), AccessLog.objects.count(), AccessFailureLog.objects.count())
    for app_model, obj in (
        ("auditlog_logentry", entry),
        ("axes_accesslog", log),
        ("axes_accessfailurelog", failure),
    ):
        assert (
            client.post(reverse(f"admin:{app_model}_delete", args=[obj.pk]), {"post": "yes"}).status_code
            == 403
        )
        assert (
            client.post(
                reverse(f"admin:{app_model}_change", args=[obj.pk]), {"username": "forged"}
            ).status_code
            == 403
        )
        assert client.post(reverse(f"admin:{app_model}_add"), {"username": "forged"}).status_code == 403
        bulk = client.post(
            reverse(f"admin:{app_model}_changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        # Readers of the trail get the list back with nothing deleted; others are refused.
        reads_the_trail = role in (roles.DATA_PROTECTION_OFFICER, roles.ADMINISTRATOR, "superuser")
        assert bulk.status_code == (200 if reads_the_trail else 403)
    after = (LogEntry.objects.count(), AccessLog.objects.count(), AccessFailureLog.objects.count())
    assert after[1:] == before[1:]
    assert after[0] >= before[0]  # viewing pages may add access entries, never remove any
    assert AccessLog.objects.get(pk=log.pk).username == "x"


def test_audit_viewer_filters_by_person_actor_and_action(client, dpo, reception, vet, checkup, open_day):
    mine = make_appointment(checkup, vet, at(open_day, 9))
    other = make_appointment(checkup, vet, at(open_day, 10))
    client.force_login(reception)
    client.get(reverse("admin:customers_customer_change", args=[mine.customer.pk]))
    client.get(reverse("admin:customers_customer_change", args=[other.customer.pk]))
    client.force_login(dpo)
    url = reverse("admin:auditlog_logentry_changelist")
    person = client.get(url, {"person": mine.customer.pk})
    shown = list(person.context["cl"].result_list)
    assert shown and all(
        (e.content_type.model, e.object_pk)
        in {("customer", str(mine.customer.pk)), ("appointment", str(mine.pk))}
        for e in shown
    )
    by_actor = client.get(url, {"actor__id__exact": reception.pk, "action__exact": LogEntry.Action.ACCESS})
    assert {e.actor_id for e in by_actor.context["cl"].result_list} == {reception.pk}
    created = client.get(url, {"action__exact": LogEntry.Action.CREATE})  # 0: still a choice
    assert {e.action for e in created.context["cl"].result_list} == {LogEntry.Action.CREATE}
