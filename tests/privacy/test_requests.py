"""Data-subject requests: deadlines, extensions, the DPO dashboard and the deadline notice."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from privacy.models import DataSubjectRequest, add_months

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "received, months, due",
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 10), 1, date(2027, 1, 10)),
    ],
)
def test_due_dates_are_a_calendar_month_later(received, months, due):
    assert add_months(received, months) == due


def test_due_date_is_one_month_plus_the_recorded_extension():
    request = DataSubjectRequest.objects.create(kind="access", channel="email", received_on=date(2026, 3, 31))
    assert request.due_on == date(2026, 4, 30)
    request.extension_months, request.extension_reason, request.subject_told_on = (
        2,
        "Many requests",
        date(2026, 4, 20),
    )
    request.full_clean()
    request.save()
    assert request.due_on == date(2026, 6, 30)


def test_an_extension_needs_a_reason_and_the_date_the_subject_was_told():
    request = DataSubjectRequest(kind="access", channel="email", extension_months=1)
    with pytest.raises(ValidationError):
        request.full_clean()


def test_dashboard_lists_open_requests_by_due_date_with_overdue_and_due_soon_marked(client, dpo):
    today = timezone.localdate()
    overdue = DataSubjectRequest.objects.create(
        kind="access", channel="email", received_on=today - timedelta(days=40)
    )
    soon = DataSubjectRequest.objects.create(
        kind="erasure", channel="letter", received_on=today - timedelta(days=27)
    )
    later = DataSubjectRequest.objects.create(kind="objection", channel="phone", received_on=today)
    DataSubjectRequest.objects.create(
        kind="access", channel="web", received_on=today - timedelta(days=60), status="completed"
    )
    client.force_login(dpo)
    response = client.get(reverse("admin:privacy_dashboard"))
    rows = response.context["requests"]
    assert [r.pk for r, _ in rows] == [overdue.pk, soon.pk, later.pk]
    assert [state for _, state in rows] == ["overdue", "due soon", "ok"]
    assert response.context["overdue"] == 1 and response.context["due_soon"] == 1


def test_dpo_records_a_request_in_the_admin(client, dpo):
    client.force_login(dpo)
    response = client.post(
        reverse("admin:privacy_datasubjectrequest_add"),
        {"kind": "access", "received_on": timezone.localdate().isoformat(), "channel": "letter",
         "verification_method": "id_document", "verification_result": "verified", "status": "open",
         "extension_months": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    assert DataSubjectRequest.objects.get().due_on == add_months(timezone.localdate(), 1)
    future = client.post(
        reverse("admin:privacy_datasubjectrequest_add"),
        {"kind": "access", "received_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "channel": "letter",
         "verification_method": "not_yet", "verification_result": "pending", "status": "open", "extension_months": "5"},
    )  # fmt: skip
    assert future.status_code == 200 and DataSubjectRequest.objects.count() == 1


def test_deadline_notice_lists_due_requests_once_a_day(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    due = DataSubjectRequest.objects.create(
        kind="access", channel="email", received_on=today - timedelta(days=25)
    )
    DataSubjectRequest.objects.create(kind="access", channel="email", received_on=today)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_deadlines", stdout=StringIO())
        out = StringIO()
        call_command("privacy_deadlines", stdout=out)
    assert len(mail.outbox) == 1
    assert f"#{due.pk}" in mail.outbox[0].body and "none due" in out.getvalue()
    assert mail.outbox[0].to == ["inuvet@inuvet.fi"]
