"""The staff calendar: who is coming and why, its views, the access entry of each page shown, quick
actions from an appointment's panel, the printable day list, and its constant query count."""

from datetime import datetime, time, timedelta

import pytest
from auditlog.models import LogEntry
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, Practitioner, Species
from frontdesk.calendar_pages import _now_line
from frontdesk.grid import Grid
from tests.factories import (
    at,
    make_appointment,
    make_closure,
    make_customer,
    make_practitioner,
    make_service,
)

pytestmark = pytest.mark.django_db
CALENDAR = reverse("admin:calendar")
PRINT = reverse("admin:calendar_print")


@pytest.fixture
def desk(client, reception):
    client.force_login(reception)
    return client


def calendar_entries():
    return list(
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__purpose="calendar").order_by(
            "pk"
        )
    )


def test_day_view_shows_who_is_coming_and_why(desk, vet, checkup, open_day):
    other = make_practitioner("Mikko Korhonen")
    customer = make_customer(name="Sentinel Secretname", phone="+358401234567")
    appointment = make_appointment(
        checkup, vet, at(open_day, 9), customer=customer, message="Limps on the left"
    )
    make_closure(at(open_day, 13), at(open_day, 14), practitioner=other)
    page = desk.get(CALENDAR, {"date": open_day.isoformat()}).content.decode()
    assert "Aino Virtanen" in page and "Mikko Korhonen" in page
    assert "Sentinel Secretname" in page and "Terveystarkastus" in page and "vahvistettu" in page
    assert "+358401234567" in page and "Limps on the left" in page  # on hover/focus and in the panel
    assert appointment.display_reference in page  # in the panel
    assert f'href="#appt-{appointment.pk}"' in page and f'id="appt-{appointment.pk}"' in page
    assert reverse("admin:bookings_appointment_change", args=[appointment.pk]) in page
    assert reverse("admin:customers_customer_change", args=[customer.pk]) in page
    assert f"start={open_day.isoformat()}T10:00" in page  # a free working-hours cell books
    assert f"practitioner={vet.pk}&amp;start={open_day.isoformat()}T09:00" not in page  # taken


def test_a_short_block_is_one_line_and_a_long_one_has_lines(desk, vet, open_day):
    short = make_service([vet], duration=15)
    long = make_service([vet], duration=60)
    make_appointment(short, vet, at(open_day, 9))
    make_appointment(long, vet, at(open_day, 10))
    page = desk.get(CALENDAR, {"date": open_day.isoformat()}).content.decode()
    assert page.count("cal-appt status-confirmed short") == 1
    assert page.count("cal-appt status-confirmed c-") == 1


def test_the_animal_is_shown_when_the_appointment_has_one(desk, vet, checkup, open_day):
    dog = Species.objects.get(name="koira")
    make_appointment(checkup, vet, at(open_day, 9), species=dog, animal_name="Musti")
    unknown = make_appointment(checkup, vet, at(open_day, 11))
    page = desk.get(CALENDAR, {"date": open_day.isoformat()}).content.decode()
    assert "koira Musti" in page and page.count('class="cal-appt') == 2
    rendered = render_to_string("frontdesk/_animal.html", {"appointment": unknown, "after": " · "})
    assert rendered.strip() == ""  # no animal: nothing, not even the separator


def test_each_view_of_the_calendar_leaves_one_access_entry(desk, reception, vet, checkup, open_day):
    other = make_practitioner("Mikko Korhonen")
    shown = [make_appointment(checkup, p, at(open_day, 9)) for p in (vet, other)]
    desk.get(CALENDAR, {"date": open_day.isoformat()})
    [entry] = calendar_entries()
    assert entry.actor == reception
    assert entry.additional_data["days"] == [open_day.isoformat()] * 2
    assert entry.additional_data["view"] == "day"
    assert sorted(entry.additional_data["appointments"]) == sorted(a.pk for a in shown)
    assert entry.object_pk == f"{vet.pk},{other.pk}"
    assert entry.content_type.model == "practitioner"

    desk.get(CALENDAR, {"view": "week", "practitioner": vet.pk, "date": open_day.isoformat()})
    week = calendar_entries()[-1]
    assert (
        len(calendar_entries()) == 2
        and week.object_pk == str(vet.pk)
        and week.additional_data["view"] == "week"
    )


def test_the_dpo_sees_the_calendar_entry_in_the_audit_log(client, desk, dpo, vet, checkup, open_day):
    make_appointment(checkup, vet, at(open_day, 9))
    desk.get(CALENDAR, {"date": open_day.isoformat()})
    client.force_login(dpo)
    listing = client.get(reverse("admin:auditlog_logentry_changelist")).content.decode()
    assert "kalenterissa" in listing or "in the calendar" in listing


def test_a_practitioner_user_lands_on_their_own_day(client, practitioner_user, vet, checkup, open_day):
    vet.user = practitioner_user
    vet.save()
    other = make_practitioner("Mikko Korhonen")
    client.force_login(practitioner_user)
    page = client.get(CALENDAR, {"date": open_day.isoformat()})
    assert page.context["chosen"] == vet and len(page.context["grid"].columns) == 1
    everyone = client.get(CALENDAR, {"view": "day", "practitioner": "all", "date": open_day.isoformat()})
    assert everyone.context["chosen"] is None
    assert {c.practitioner for c in everyone.context["grid"].columns} == {vet, other}


def test_week_of_everyone_is_compact_and_shows_each_practitioner(desk, vet, checkup, open_day):
    other = make_practitioner("Mikko Korhonen")
    make_appointment(checkup, other, at(open_day, 11), customer=make_customer(name="Weekly Visitor"))
    page = desk.get(CALENDAR, {"view": "week", "practitioner": "all", "date": open_day.isoformat()})
    html = page.content.decode()
    assert page.context["week"] is not None and [p for p, _cells in page.context["week"]] == [vet, other]
    assert "Weekly Visitor" in html and 'class="cal-week"' in html
    assert (
        f"?view=day&amp;practitioner=all&amp;date={open_day.isoformat()}" in html
    )  # a day opens from the week


def test_week_view_of_one_practitioner_marks_holidays(desk, vet, checkup):
    day = timezone.localdate().replace(month=12, day=6)
    page = desk.get(CALENDAR, {"view": "week", "practitioner": vet.pk, "date": day.isoformat()})
    assert page.status_code == 200
    assert page.context["week_view"] and len(page.context["grid"].columns) == 7
    assert any(column.holiday for column in page.context["grid"].columns)


def test_the_now_line_is_drawn_on_today_only(desk, vet, settings):
    today = desk.get(CALENDAR, {"view": "week", "practitioner": vet.pk})
    local = timezone.localtime()
    if today.context["grid"].first_hour * 60 <= local.hour * 60 + local.minute < 24 * 60 - 1:
        hours_shown = today.context["grid"].first_hour + today.context["grid"].rows // 4
        if local.hour < hours_shown:
            assert today.context["now_line"] is not None and b"cal-now" in today.content
    later = desk.get(CALENDAR, {"date": (timezone.localdate() + timedelta(days=3)).isoformat()})
    assert later.context["now_line"] is None and b"cal-now" not in later.content


def test_no_now_line_and_no_error_when_today_has_no_column():
    """The calendar of a practice with no practitioner yet, opened during the grid's hours: that
    was a 500 (it showed only in the morning, when CI happened to run then)."""
    grid = Grid(first_hour=7, rows=44, columns=[])
    today = timezone.localdate()
    nine = timezone.make_aware(datetime.combine(today, time(9)))
    assert _now_line(grid, [today], nine) is None


def test_the_legend_names_every_colour(desk, vet):
    page = desk.get(CALENDAR).content.decode()
    for swatch in ("status-confirmed", "status-arrived", "status-completed", "status-no_show", "open", "closed",
                   "closure", "holiday", "now"):  # fmt: skip
        assert f'class="legend {swatch}"' in page


def test_calendar_bad_input_falls_back_not_500(desk, vet):
    for query in (
        {"date": "2026-13-45"},
        {"view": "week", "practitioner": "999"},
        {"view": "nonsense", "practitioner": "x" * 300},
        {"date": "x" * 500},
        {"date": "9999-12-31"},
        {"view": "week", "date": "0001-01-01"},
    ):
        assert desk.get(CALENDAR, query).status_code == 200
        assert desk.get(PRINT, query).status_code == 200


def test_quick_actions_in_the_panel_go_through_the_rules_and_come_back(desk, vet, checkup, open_day):
    past = make_appointment(checkup, vet, timezone.now() - timedelta(hours=1))
    future = make_appointment(checkup, vet, at(open_day, 9))
    day = timezone.localtime(past.start).date().isoformat()
    page = desk.get(CALENDAR, {"date": day}).content.decode()
    status_url = reverse("admin:bookings_appointment_status", args=[past.pk])
    assert status_url in page and 'value="no_show"' in page
    here = f"{CALENDAR}?view=day&practitioner=all&date={day}"
    response = desk.post(status_url, {"status": "arrived", "next": here})
    assert response.status_code == 302 and response["Location"] == here
    past.refresh_from_db()
    assert past.status == "arrived"
    # A visit days ahead offers no status yet; and the rules still decide whatever is posted.
    ahead = desk.get(CALENDAR, {"date": open_day.isoformat()}).content.decode()
    assert reverse("admin:bookings_appointment_status", args=[future.pk]) not in ahead
    response = desk.post(
        reverse("admin:bookings_appointment_status", args=[future.pk]), {"status": "completed", "next": here}
    )
    future.refresh_from_db()
    assert future.status == "confirmed" and response["Location"] == here
    # Elsewhere than the calendar, `next` is ignored.
    response = desk.post(status_url, {"status": "completed", "next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:bookings_appointment_change", args=[past.pk])


def test_the_panel_links_to_move_and_cancel_with_their_confirm_steps(desk, vet, checkup, open_day):
    appointment = make_appointment(checkup, vet, at(open_day, 9))
    page = desk.get(CALENDAR, {"date": open_day.isoformat()}).content.decode()
    cancel = reverse("admin:bookings_appointment_cancel", args=[appointment.pk])
    assert (
        cancel + "?next=" in page
        and reverse("admin:bookings_appointment_move", args=[appointment.pk]) in page
    )
    here = f"{CALENDAR}?date={open_day.isoformat()}"
    confirm = desk.get(cancel, {"next": here}).content.decode()
    assert f'name="next" value="{here}"' in confirm.replace("&amp;", "&")
    response = desk.post(cancel, {"reason": "", "next": here})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and response["Location"] == here


def test_day_list_prints_everything_the_front_desk_needs(desk, vet, checkup, open_day):
    other = make_practitioner("Mikko Korhonen")
    customer = make_customer(name="Printed Person", phone="+358409998877")
    make_appointment(checkup, vet, at(open_day, 9), customer=customer, message="Needs a muzzle")
    make_appointment(checkup, other, at(open_day, 10))
    page = desk.get(PRINT, {"date": open_day.isoformat(), "practitioner": vet.pk})
    html = page.content.decode()
    assert "Printed Person" in html and "+358409998877" in html and "Needs a muzzle" in html
    assert "Terveystarkastus" in html and "vahvistettu" in html and "Mikko Korhonen" not in html
    assert "day-list.css" in html and 'id="nav-sidebar"' not in html
    [entry] = LogEntry.objects.filter(additional_data__purpose="day list")
    assert entry.object_pk == str(vet.pk) and entry.additional_data["days"] == [open_day.isoformat()] * 2
    everyone = desk.get(PRINT, {"date": open_day.isoformat(), "practitioner": "all"}).content.decode()
    assert "Mikko Korhonen" in everyone and "Aino Virtanen" in everyone


def bulk_appointments(count: int, practitioners: list[Practitioner], service, open_day) -> None:
    """`count` appointments, 15 minutes each: the open day full from 8.00, the rest on earlier days."""
    customers = [make_customer() for _ in range(20)]
    species = list(Species.objects.all())
    rows, per_day = [], 32 * len(practitioners)
    for n in range(count):
        day_back, slot = divmod(n, per_day)
        start = at(open_day - timedelta(days=day_back), 8) + timedelta(
            minutes=15 * (slot // len(practitioners))
        )
        rows.append(
            Appointment(
                reference=f"B{n:05d}",
                service=service,
                practitioner=practitioners[n % len(practitioners)],
                customer=customers[n % 20],
                start=start,
                end=start + timedelta(minutes=15),
                occupied_start=start,
                occupied_end=start + timedelta(minutes=15),
                message="message",
                species=species[n % len(species)],
                animal_name=f"Pet {n % 7}",
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=5000)


@pytest.mark.parametrize("count", [1_000, 100_000])
def test_calendar_runs_a_constant_number_of_queries(desk, django_assert_max_num_queries, count, open_day):
    vets = [make_practitioner(f"Vet {i}") for i in range(3)]
    service = make_service(vets, duration=15, slot_step=15)
    bulk_appointments(count, vets, service, open_day)
    on_the_day = Appointment.objects.filter(start__date=open_day).count()
    desk.get(reverse("admin:index"))  # the session's first save happens here, not below
    with django_assert_max_num_queries(10):
        day = desk.get(CALENDAR, {"date": open_day.isoformat()})
    # The page rendered the day's appointments with names: a refusal would also be quick.
    assert day.status_code == 200 and day.content.count(b'class="cal-appt') == on_the_day > 0
    assert day.content.count(b"Client ") >= on_the_day
    assert day.content.count(b"Pet ") >= on_the_day and b"kissa" in day.content  # the animal, no N+1
    with django_assert_max_num_queries(10):
        week = desk.get(CALENDAR, {"view": "week", "practitioner": "all", "date": open_day.isoformat()})
    assert week.status_code == 200 and week.content.count(b'class="cal-chip') >= on_the_day
    with django_assert_max_num_queries(10):
        one = desk.get(CALENDAR, {"view": "week", "practitioner": vets[0].pk, "date": open_day.isoformat()})
    assert one.content.count(b'class="cal-appt') >= on_the_day // 3 > 0
    with django_assert_max_num_queries(10):
        printed = desk.get(PRINT, {"date": open_day.isoformat(), "practitioner": "all"})
    assert printed.content.count(b"<tr><td>") == on_the_day
