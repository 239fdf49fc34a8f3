"""Staff reports: figures of a hand-made calendar, the role matrix, bad ranges, CSV, queries, erasure."""

import csv
import io
import itertools
from datetime import date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from bookings.models import Appointment
from customers.models import Customer
from inuvet import roles
from reports import figures as report_figures
from tests.factories import at, make_appointment, make_closure, make_practitioner, make_service, make_staff

pytestmark = pytest.mark.django_db

WEEK_1, WEEK_2, LAST_DAY = (
    date(2026, 1, 5),
    date(2026, 1, 12),
    date(2026, 1, 18),
)  # Epiphany, Tuesday 6 January, is a public holiday
NOW = at(date(2026, 1, 14), 12)
RANGE = {"from": "2026-01-05", "to": "2026-01-18"}
TABLES = [
    "by_service",
    "by_species",
    "by_practitioner",
    "utilisation",
    "cancellations",
    "lead_time",
    "sources",
]
HELSINKI = ZoneInfo("Europe/Helsinki")
_references = itertools.count(1)


def day(month: int, number: int, year: int = 2026) -> date:
    return date(year, month, number)


@pytest.fixture
def calendar(db):
    """Two weeks of January 2026 with every case the reports must tell apart."""
    aino = make_practitioner("Aino Virtanen")  # Mon–Fri 8–11.30 and 12–16: 450 minutes a day
    bertta = make_practitioner("Bertta Berg", hours={0: [(time(9), time(12))]})  # Mondays 9–12
    make_practitioner("Retired Vet", is_active=False)  # hours but gone: no utilisation row
    checkup = make_service([aino, bertta], name="Terveystarkastus", duration=30)
    vaccination = make_service([aino, bertta], name="Rokotus", duration=15)
    make_service([aino], name="Never booked")
    # Aino away Thursday 10–13: 90 minutes before lunch and 60 after, the lunch break not twice.
    make_closure(at(day(1, 8), 10), at(day(1, 8), 13), practitioner=aino)
    # The whole practice closes Friday 16 January at 14: Aino's last two hours.
    make_closure(at(day(1, 16), 14), at(day(1, 16), 18))

    def book(service, practitioner, start, booked, status="completed", source="online"):
        make_appointment(service, practitioner, start, status=status, source=source, created_at=booked)

    # Week 1
    book(checkup, aino, at(day(1, 5), 9), at(day(1, 5), 7))  # same day
    book(vaccination, aino, at(day(1, 7), 10), at(day(1, 6), 15), source="phone")  # 1 day
    book(checkup, aino, at(day(1, 8), 14), at(day(1, 1), 9), status="no_show")  # 7 days
    book(checkup, bertta, at(day(1, 5), 9, 30), at(day(12, 20, 2025), 9), status="cancelled")
    book(vaccination, bertta, at(day(1, 5), 10), at(day(1, 5), 10), source="walk_in")  # same day
    # Week 2
    book(checkup, aino, at(day(1, 12), 8), at(day(12, 1, 2025), 12))  # 42 days
    book(checkup, aino, at(day(1, 13), 8, 30), at(day(1, 2), 9), status="cancelled", source="phone")
    book(vaccination, bertta, at(day(1, 12), 11), at(day(1, 2), 9), status="no_show", source="phone")  # 10
    # Monday 00:30 in Helsinki is still Sunday in UTC: it belongs to week 2 all the same.
    book(vaccination, aino, at(day(1, 12), 0, 30), at(day(12, 25, 2025), 20))  # 18 days
    book(checkup, aino, at(day(1, 15), 9), at(day(1, 13), 8), status="confirmed")  # 2 days, after NOW
    # Outside the range: Sunday before at 23:30, and Monday after at 00:00 (still the 18th in UTC).
    book(checkup, aino, at(day(1, 4), 23, 30), at(day(1, 1), 9))
    book(checkup, aino, at(day(1, 19), 0), at(day(1, 1), 9))
    return {"aino": aino, "bertta": bertta, "checkup": checkup, "vaccination": vaccination}


def tables(first=WEEK_1, last=LAST_DAY, now=NOW) -> dict[str, report_figures.Table]:
    with translation.override("en"):
        cal = report_figures.load_visits(first, last, now=now)
        return {slug: build(cal) for slug, build in report_figures.TABLES.items()}


def report_csv(client, table, query=RANGE):
    response = client.get(reverse("admin:reports_csv", kwargs={"table": table}), query)
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# Figures of the hand-made calendar -------------------------------------------------------------


def test_appointments_per_week_and_service_count_local_weeks_and_cancellations_apart(calendar):
    assert tables()["by_service"].rows == [
        [WEEK_1, "Rokotus", 2, 0],
        [WEEK_1, "Terveystarkastus", 2, 1],
        [WEEK_2, "Rokotus", 2, 0],
        [WEEK_2, "Terveystarkastus", 2, 1],
    ]


def test_appointments_per_week_and_practitioner_leave_out_practitioners_without_appointments(calendar):
    assert tables()["by_practitioner"].rows == [
        [WEEK_1, "Aino Virtanen", 3, 0],
        [WEEK_1, "Bertta Berg", 1, 1],
        [WEEK_2, "Aino Virtanen", 3, 1],
        [WEEK_2, "Bertta Berg", 1, 0],
    ]


def test_utilisation_takes_off_lunch_closures_and_the_public_holiday(calendar):
    # Aino week 1: 4 open days (Epiphany off) × 450 − 150 closed on Thursday = 1650; booked 30 + 15 + 30.
    # Aino week 2: 5 × 450 − 120 of the practice closing early on Friday = 2130.
    assert tables()["utilisation"].rows == [
        [WEEK_1, "Aino Virtanen", 1650, 75, Decimal("4.5")],
        [WEEK_1, "Bertta Berg", 180, 15, Decimal("8.3")],
        [WEEK_2, "Aino Virtanen", 2130, 75, Decimal("3.5")],
        [WEEK_2, "Bertta Berg", 180, 15, Decimal("8.3")],
    ]


def test_utilisation_without_open_time_is_no_value_rather_than_a_division_by_zero(calendar):
    make_practitioner("Weekend Locum", hours={5: [(time(9), time(13))]})
    rows = tables(first=WEEK_1, last=day(1, 9))["utilisation"].rows  # Monday to Friday only
    assert [WEEK_1, "Weekend Locum", 0, 0, None] in rows


def test_cancellation_rate_is_of_all_booked_and_no_show_rate_of_past_ones_not_cancelled(calendar):
    assert tables()["cancellations"].rows == [
        [WEEK_1, 5, 1, 1, Decimal("20.0"), Decimal("25.0"), 0],
        # The confirmed visit on Thursday 15th has not happened yet at NOW: 1 no-show of 3, not of 4.
        [WEEK_2, 5, 1, 1, Decimal("20.0"), Decimal("33.3"), 0],
    ]


def test_lead_time_counts_calendar_days_into_buckets_with_the_median(calendar):
    table = tables()["lead_time"]
    assert table.columns[1:] == [
        "same day",
        "1–2 days",
        "3–7 days",
        "8–14 days",
        "15–30 days",
        "over 30 days",
        "Median (days)",
    ]
    assert table.rows == [
        [WEEK_1, 2, 1, 1, 0, 0, 0, Decimal("0.5")],
        [WEEK_2, 0, 1, 0, 1, 1, 1, Decimal("14.0")],
    ]
    assert table.footer == [["All weeks", 2, 2, 1, 1, 1, 1, Decimal("4.5")]]


def test_sources_count_appointments_not_cancelled_by_channel(calendar):
    assert tables()["sources"].rows == [
        [WEEK_1, "online", 2],
        [WEEK_1, "phone", 1],
        [WEEK_1, "walk-in", 1],
        [WEEK_2, "online", 3],
        [WEEK_2, "phone", 1],
        [WEEK_2, "walk-in", 0],
    ]


def test_a_range_starting_midweek_reports_that_week_by_its_monday_with_only_the_days_in_range(calendar):
    result = tables(first=day(1, 8), last=day(1, 14))
    assert [row[0] for row in result["cancellations"].rows] == [WEEK_1, WEEK_2]
    assert result["utilisation"].rows[0] == [WEEK_1, "Aino Virtanen", 300 + 450, 30, Decimal("4.0")]


def test_lead_time_buckets_have_inclusive_upper_bounds():
    assert [report_figures.lead_bucket(n) for n in (0, 1, 2, 3, 7, 8, 14, 15, 30, 31, 400)] == [
        0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]  # fmt: skip


def test_open_time_follows_the_wall_clock_across_daylight_saving_changes():
    hours = {6: [(time(2), time(5))]}  # Sundays 02–05
    spring, autumn = day(3, 29), day(10, 25)  # clocks go forward, then back
    minutes = report_figures.open_minutes_by_week(
        hours, [], first_day=spring, last_day=autumn, holidays=frozenset(), tz=HELSINKI
    )
    assert minutes[spring - timedelta(days=6)] == 120
    assert minutes[autumn - timedelta(days=6)] == 240
    assert minutes[day(4, 5) - timedelta(days=6)] == 180


def test_default_range_is_monday_eleven_weeks_ago_to_this_sunday():
    assert report_figures.default_range(day(11, 25)) == (day(9, 7), day(11, 29))
    assert report_figures.default_range(day(11, 23)) == (day(9, 7), day(11, 29))
    assert report_figures.default_range(day(11, 29)) == (day(9, 7), day(11, 29))


def test_a_range_of_exactly_two_years_is_allowed_and_a_day_more_is_not():
    default = (day(1, 1), day(1, 2))
    assert report_figures.ReportRangeForm(
        {"from": "2024-01-01", "to": "2025-12-31"}, default=default
    ).is_valid()
    assert not report_figures.ReportRangeForm(
        {"from": "2024-01-01", "to": "2026-01-01"}, default=default
    ).is_valid()
    assert report_figures.ReportRangeForm(
        {"from": "2024-02-29", "to": "2026-02-27"}, default=default
    ).is_valid()


# The page and the CSV files through HTTP -------------------------------------------------------


def page_url():
    return reverse("admin:reports")


def all_urls():
    return [page_url(), *(reverse("admin:reports_csv", kwargs={"table": table}) for table in TABLES)]


@pytest.mark.parametrize("actor", ["practitioner_user", "dpo"])
def test_reports_are_forbidden_to_roles_without_the_reports_permission(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    for url in [*all_urls(), reverse("admin:reports_csv", kwargs={"table": "no_such_table"})]:
        assert client.get(url, RANGE).status_code == 403, url


def test_staff_without_a_role_are_sent_to_sign_in(client):
    client.force_login(make_staff("norole", None))
    for url in all_urls():
        assert client.get(url, RANGE)["Location"].startswith(reverse("admin:login")), url


def test_anonymous_visitors_are_sent_to_the_staff_login(client):
    for url in all_urls():
        response = client.get(url, RANGE)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("actor", ["reception", "administrator"])
def test_reception_and_administrators_see_the_page_and_every_csv(client, request, actor, calendar):
    client.force_login(request.getfixturevalue(actor))
    for url in all_urls():
        assert client.get(url, RANGE).status_code == 200, url


def test_the_reports_permission_alone_opens_the_reports(client, calendar):
    user = make_staff("analyst", roles.PRACTITIONER)  # a role without reports, and the one permission
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    client.force_login(user)
    assert client.get(page_url(), RANGE).status_code == 200


def test_the_page_shows_charts_and_tables_with_the_same_figures(en_client, reception, calendar):
    en_client.force_login(reception)
    page = en_client.get(page_url(), RANGE).content.decode()
    content = page[page.index('id="content-main"') :]
    assert content.count('role="img"') == 7 and content.count("<title id=") == 7
    assert content.count("<caption>") == 7 and 'scope="col"' in content and 'scope="row"' in content
    with translation.override("en"):
        monday = formats.date_format(WEEK_1, "SHORT_DATE_FORMAT")
    assert f'<th scope="row">{monday}</th><td>Aino Virtanen</td><td class="num">1650</td>' in content
    assert '<th scope="row">All weeks</th>' in content and ">4.5</td>" in content
    assert 'fill="#0b5d63"' in content
    for slug in TABLES:
        assert f'href="/admin/reports/{slug}.csv?from=2026-01-05&amp;to=2026-01-18"' in content
    assert reverse("admin:index") in page[page.index('class="breadcrumbs"') :]
    assert "/static/css/reports.css" in page


def test_the_page_has_no_inline_styles_or_scripts_for_the_content_security_policy(
    client, reception, calendar
):
    client.force_login(reception)
    page = client.get(page_url(), RANGE).content.decode()
    content = page[page.index('id="content-main"') : page.index('id="footer"')]
    assert "style=" not in content and "<style" not in content
    assert "<script" not in content and " on" + "click=" not in content


def test_svg_coordinates_are_not_localised_with_decimal_commas(client, reception, calendar):
    client.force_login(reception)  # Finnish, where 12.5 would be written 12,5
    page = client.get(page_url(), RANGE).content.decode()
    assert '<html lang="fi"' in page or 'lang="fi"' in page
    svg = page[page.index("<svg") : page.rindex("</svg>")]
    for attribute in ('x="', 'y="', 'width="', 'height="'):
        values = [chunk.split('"', 1)[0] for chunk in svg.split(attribute)[1:]]
        assert values and not any("," in value for value in values), attribute


def test_the_default_range_is_in_the_form_when_no_dates_are_given(client, reception):
    client.force_login(reception)
    first, last = report_figures.default_range(timezone.localdate())
    page = client.get(page_url()).content.decode()
    assert f'value="{first.isoformat()}"' in page and f'value="{last.isoformat()}"' in page
    assert 'role="alert"' not in page


@pytest.mark.parametrize(
    "query",
    [
        {"from": "yesterday"},
        {"from": "2026-02-30"},
        {"from": "5.1.2026"},
        {"from": "2026-03-01", "to": "2026-02-01"},
        {"from": "2023-01-01", "to": "2026-01-01"},
        {"from": "9999-12-30", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "9" * 5000},
    ],
)
def test_bad_dates_give_a_message_and_the_default_range_not_an_error(en_client, reception, calendar, query):
    en_client.force_login(reception)
    response = en_client.get(page_url(), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page and "the default range is shown" in page
    first, last = report_figures.default_range(timezone.localdate())
    assert f"from={first.isoformat()}&amp;to={last.isoformat()}" in page
    csv_response = en_client.get(reverse("admin:reports_csv", kwargs={"table": "by_service"}), query)
    assert csv_response.status_code == 400


def test_an_unknown_table_is_not_found(client, reception):
    client.force_login(reception)
    assert client.get(reverse("admin:reports_csv", kwargs={"table": "customers"})).status_code == 404


def test_csv_is_an_attachment_named_after_table_and_range_with_a_header_and_a_row_per_week_and_service(
    client, reception, calendar
):
    client.force_login(reception)
    response = client.get(reverse("admin:reports_csv", kwargs={"table": "by_service"}), RANGE)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="inuvet-by_service-2026-01-05-2026-01-18.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4
    assert rows[1:] == [
        ["2026-01-05", "Rokotus", "2", "0"],
        ["2026-01-05", "Terveystarkastus", "2", "1"],
        ["2026-01-12", "Rokotus", "2", "0"],
        ["2026-01-12", "Terveystarkastus", "2", "1"],
    ]


def test_csv_numbers_use_a_decimal_point_and_a_dash_for_no_value(client, reception, calendar):
    make_practitioner("Weekend Locum", hours={5: [(time(9), time(13))]})
    client.force_login(reception)
    rows = report_csv(client, "utilisation", {"from": "2026-01-05", "to": "2026-01-09"})
    assert ["2026-01-05", "Aino Virtanen", "1650", "75", "4.5"] in rows
    assert ["2026-01-05", "Weekend Locum", "0", "0", "—"] in rows
    assert report_csv(client, "lead_time")[-1][1:] == ["2", "2", "1", "1", "1", "1", "4.5"]


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_get_an_apostrophe(client, reception, calendar):
    make_appointment(make_service([calendar["aino"]], name="=cmd()"), calendar["aino"], at(day(1, 9), 9))
    calendar["bertta"].name = "@SUM(A1)"
    calendar["bertta"].save()
    client.force_login(reception)
    services = [row[1] for row in report_csv(client, "by_service")]
    assert "'=cmd()" in services and "=cmd()" not in services
    practitioners = [row[1] for row in report_csv(client, "by_practitioner")]
    assert "'@SUM(A1)" in practitioners and "@SUM(A1)" not in practitioners


# Queries and personal data ---------------------------------------------------------------------

# Session, user, two for permissions and the six of the reports (the session's first save is
# done by a page opened before counting).
REPORT_QUERIES = 10


def bulk_calendar(count: int):
    practitioners = [make_practitioner() for _ in range(3)]
    services = [make_service(practitioners, duration=30) for _ in range(4)]
    make_closure(at(day(2, 4), 8), at(day(2, 4), 12), practitioner=practitioners[0])
    statuses, sources = list(Appointment.Status.values), list(Appointment.Source.values)
    start = at(day(2, 2), 8)
    appointments = []
    for i in range(count):
        begins = start + timedelta(minutes=30 * (i // 3))
        appointments.append(
            Appointment(
                reference=f"Q{next(_references):05d}",
                service=services[i % 4],
                practitioner=practitioners[i % 3],
                start=begins,
                end=begins + timedelta(minutes=30),
                occupied_start=begins,
                occupied_end=begins + timedelta(minutes=30),
                status=statuses[i % len(statuses)],
                source=sources[i % len(sources)],
                created_at=begins - timedelta(days=i % 45, hours=3),
            )
        )
    Appointment.objects.bulk_create(appointments)


@pytest.mark.parametrize("count", [50, 2000])
def test_the_page_and_the_csv_take_a_fixed_number_of_queries(
    client, reception, django_assert_max_num_queries, count
):
    bulk_calendar(count)
    client.force_login(reception)
    client.get(reverse("admin:index"))
    query = {"from": "2026-02-02", "to": "2026-03-29"}
    with django_assert_max_num_queries(REPORT_QUERIES):
        response = client.get(page_url(), query)
    assert response.status_code == 200
    with django_assert_max_num_queries(REPORT_QUERIES):
        rows = report_csv(client, "utilisation", query)
    assert len(rows) == 1 + 8 * 3


def test_no_query_of_the_reports_reads_a_customer_or_a_message(client, reception, calendar):
    client.force_login(reception)
    with CaptureQueriesContext(connection) as queries:
        for url in all_urls():
            client.get(url, RANGE)
    sql = " ".join(query["sql"] for query in queries.captured_queries).lower()
    assert "appointment" in sql
    assert "customer" not in sql and "message" not in sql


def report_content(client) -> str:
    page = client.get(page_url(), RANGE).content.decode()
    return page[page.index('id="content-main"') : page.index('id="footer"')]  # not the CSRF token


def test_reports_survive_erasure_of_every_client(client, reception, calendar):
    client.force_login(reception)
    csv_before = {table: report_csv(client, table) for table in TABLES}
    page_before = report_content(client)
    assert Customer.objects.count() == Appointment.objects.count()
    Appointment.objects.update(customer=None)  # what erasure leaves behind
    Customer.objects.all().delete()
    assert {table: report_csv(client, table) for table in TABLES} == csv_before
    assert report_content(client) == page_before


def test_cancellations_by_erasure_are_counted_apart_not_as_cancellations(client, reception):
    from privacy.erasure import erase_person
    from privacy.models import ErasureReceipt
    from tests.factories import make_customer, next_open_weekday

    vet = make_practitioner("Aino Virtanen")
    service = make_service([vet], name="Terveystarkastus")
    day = next_open_weekday()
    leaving = make_customer(name="Poistuva")
    make_appointment(service, vet, at(day, 9), customer=leaving)
    make_appointment(service, vet, at(day, 10))
    make_appointment(service, vet, at(day, 11))
    cancelled = make_appointment(service, vet, at(day, 12))
    Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled", cancelled_by="client")
    erase_person(customers=[leaving], reason=ErasureReceipt.Reason.REQUEST)
    monday = day - timedelta(days=day.weekday())
    with translation.override("en"):
        cal = report_figures.load_visits(monday, monday + timedelta(days=6), now=timezone.now())
        table = report_figures.cancellations_table(cal)
        by_service = report_figures.by_service_table(cal)
    assert table.columns[-1] == "Cancelled by erasure"
    # 4 booked: 1 cancelled by the client (1 of the 3 not erased: 33.3 %), 1 by erasure.
    assert table.rows == [[monday, 4, 1, 0, Decimal("33.3"), None, 1]]
    assert by_service.rows == [[monday, "Terveystarkastus", 2, 1]]


def test_csv_comes_in_the_finnish_excel_dialect_too(client, reception, calendar):
    client.force_login(reception)
    plain = report_csv(client, "cancellations")
    finnish_response = client.get(
        reverse("admin:reports_csv", kwargs={"table": "cancellations"}), {**RANGE, "format": "fi"}
    )
    assert "excel-fi" in finnish_response["Content-Disposition"]
    text = finnish_response.content.decode("utf-8-sig")
    finnish = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(finnish) == len(plain) and len(finnish[0]) == len(plain[0])
    assert plain[1][4] == "20.0" and finnish[1][4] == "20,0"
    assert finnish[1][0] == plain[1][0] == "2026-01-05"  # dates as Excel reads them in either
    page = client.get(page_url(), RANGE).content.decode()
    assert "format=fi" in page
