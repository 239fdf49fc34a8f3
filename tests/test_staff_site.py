"""The staff site as a whole: a role grants it (roles named in Finnish, read in one's language), a
staff 403 page that names the roles, bad input refused with 400, lists of people that leave access
entries and confirm searches reached by a link, and no English left in the Finnish staff site."""

import re
from html import unescape

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import formats, timezone, translation

from bookings.models import Appointment
from inuvet import roles
from inuvet.audit import CONFIRM_PARAMETER, search_digest, search_token
from tests.factories import at, make_appointment, make_customer, make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


# Roles -----------------------------------------------------------------------------------------


def test_roles_are_groups_with_finnish_names_read_in_ones_language(client, administrator):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Vastaanotto", "Eläinlääkäri", "Tietosuojavastaava", "Ylläpitäjä",
    }  # fmt: skip
    client.force_login(administrator)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:auth_user_add")).content.decode()
    assert "Reception" in page and "Veterinarian" in page


def test_a_new_receptionist_given_the_role_can_sign_in_without_any_other_tick(client, administrator):
    client.force_login(administrator)
    reception_group = Group.objects.get(name=roles.RECEPTION)
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "uusi", "usable_password": "true", "password1": "uusi-salasana-2026!",
         "password2": "uusi-salasana-2026!", "groups": [reception_group.pk]},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    user = get_user_model().objects.get(username="uusi")
    assert user.is_staff and list(user.groups.all()) == [reception_group]
    client.logout()
    signed_in = client.post(reverse("admin:login"), {"username": "uusi", "password": "uusi-salasana-2026!"})
    assert signed_in.status_code == 302 and client.get(reverse("admin:calendar")).status_code == 200


def test_a_user_with_no_role_has_no_staff_site_even_with_the_staff_tick(client):
    make_staff("ilman", None)  # is_staff=True, no group
    response = client.post(reverse("admin:login"), {"username": "ilman", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    client.force_login(get_user_model().objects.get(username="ilman"))
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def test_taking_the_role_away_takes_the_staff_site_away(client, administrator, reception):
    client.force_login(administrator)
    client.post(
        reverse("admin:auth_user_change", args=[reception.pk]),
        {"username": "reception", "is_active": "on", "groups": [], "date_joined_0": "2026-01-01",
         "date_joined_1": "00:00"},
    )  # fmt: skip
    reception.refresh_from_db()
    assert not reception.groups.exists() and not reception.is_staff


# The staff 403 page ----------------------------------------------------------------------------


def test_staff_get_a_staff_403_page_that_names_the_roles_that_may(en_client, practitioner_user):
    en_client.force_login(practitioner_user)
    response = en_client.get(reverse("admin:calendar_book"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Reception" in page and "Veterinarian" in page  # allowed for, and your role
    assert reverse("admin:index") in page and "Back to the staff start page" in page
    model_page = en_client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert "Reception" in model_page and "Data-protection officer" in model_page


def test_clients_keep_the_public_403_page(client):
    response = client.post(reverse("online:lookup"), {"reference": "x"}, HTTP_X_CSRFTOKEN="bad")
    assert response.status_code in (200, 403)  # CSRF failures have their own page; nothing staff


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name, query",
    [
        ("admin:customers_customer_changelist", {"q": "Aada\x00"}),
        ("admin:bookings_appointment_changelist", {"q": "\x00"}),
        ("admin:auditlog_logentry_changelist", {"q": "x\x00y"}),
        ("admin:bookings_appointment_changelist", {"start__year": "9999"}),
        ("admin:bookings_appointment_changelist", {"start__year": "2026", "start__month": "13"}),
        ("admin:bookings_closure_changelist", {"start__year": "99999999999999999999"}),
        ("admin:calendar_book", {"q": "\x00"}),
    ],
)
def test_nul_bytes_and_dates_out_of_range_get_400_not_500(client, reception, dpo, url_name, query):
    client.force_login(dpo if "auditlog" in url_name else reception)
    response = client.get(reverse(url_name), query)
    assert response.status_code == 400


def test_nul_in_a_posted_staff_search_is_400(client, reception):
    client.force_login(reception)
    assert client.post(reverse("admin:calendar_book"), {"action": "search", "q": "a\x00b"}).status_code == 400


def test_the_appointment_lists_year_drill_down_works_for_real_years(
    client, reception, vet, checkup, open_day
):
    make_appointment(checkup, vet, at(open_day, 9))
    client.force_login(reception)
    response = client.get(reverse("admin:bookings_appointment_changelist"), {"start__year": open_day.year})
    assert response.status_code == 200


# Lists of people and searches ------------------------------------------------------------------


def access_entries(customer, actor=None):
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(customer.pk))
    return entries.filter(actor=actor) if actor else entries


def test_the_customer_list_leaves_an_access_entry_per_person_shown(client, reception):
    shown = make_customer(name="Listattu Asiakas")
    client.force_login(reception)
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 200
    entry = access_entries(shown, reception).get()
    assert entry.additional_data == {"purpose": "list"}


def test_a_search_from_a_link_asks_first_and_logs_nothing_until_confirmed(client, reception):
    person = make_customer(name="Vieras Henkilö", phone="+358409998888")
    client.force_login(reception)
    url = reverse("admin:customers_customer_changelist")
    asked = client.get(url, {"q": "Vieras"})  # a colleague's link
    assert asked.status_code == 200 and "Vieras Henkilö" not in asked.content.decode().split("<form")[-1]
    assert not access_entries(person).exists()
    confirmed = client.get(url, {"q": "Vieras", CONFIRM_PARAMETER: search_token(client_request(client))})
    assert confirmed.status_code == 302 and f"{CONFIRM_PARAMETER}=" not in confirmed["Location"]
    page = client.get(confirmed["Location"]).content.decode()
    assert "Vieras Henkilö" in page
    entry = access_entries(person, reception).get()
    assert entry.additional_data == {"purpose": "search", "search": search_digest("Vieras")}
    assert "Vieras" not in str(entry.additional_data)


def client_request(client):
    """A stand-in request carrying the test client's session, for search_token()."""

    class Session:
        session_key = client.session.session_key

    class Request:
        session = Session()

    return Request()


def test_the_search_box_of_the_list_carries_this_sessions_token(client, reception):
    client.force_login(reception)
    page = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    token = re.search(rf'name="{CONFIRM_PARAMETER}" value="([0-9a-f]+)"', page).group(1)
    assert token == search_token(client_request(client))


def test_a_booking_reference_finds_the_customer_in_the_customer_list(
    client, reception, vet, checkup, open_day
):
    customer = make_customer(name="Viitteellä Löytyvä")
    appointment = make_appointment(checkup, vet, at(open_day, 9), customer=customer)
    client.force_login(reception)
    url = reverse("admin:customers_customer_changelist")
    token = search_token(client_request(client))
    page = client.get(url, {"q": appointment.display_reference, CONFIRM_PARAMETER: token}, follow=True)
    assert "Viitteellä Löytyvä" in page.content.decode()


def test_searching_appointments_by_a_persons_details_leaves_access_entries(
    client, reception, vet, checkup, open_day
):
    appointment = make_appointment(checkup, vet, at(open_day, 9), customer=make_customer(name="Etsitty Nimi"))
    client.force_login(reception)
    url = reverse("admin:bookings_appointment_changelist")
    client.get(url)  # browsing the list (no person on it) writes nothing
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    client.get(url, {"q": "Etsitty", CONFIRM_PARAMETER: search_token(client_request(client))}, follow=True)
    assert (
        LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(appointment.pk)).actor == reception
    )


def test_the_dpo_find_page_searches_by_post_only(client, dpo):
    person = make_customer(name="Löydettävä Henkilö")
    client.force_login(dpo)
    linked = client.get(reverse("admin:privacy_find"), {"q": "Löydettävä"}).content.decode()
    assert "Löydettävä Henkilö" not in linked and not access_entries(person).exists()
    found = client.post(reverse("admin:privacy_find"), {"q": "Löydettävä"}).content.decode()
    assert "Löydettävä Henkilö" in found
    assert access_entries(person, dpo).get().additional_data["search"] == search_digest("Löydettävä")


# Finnish everywhere ----------------------------------------------------------------------------

# Words that gave English away on the Finnish staff site (issue 14, point 13).
ENGLISH = [
    "Choose all", "by selecting them", "After you", "CREATED", "RESOURCE", "Logged ", "Updated ", "Created ",
    "access", "create", "update", "None", "walk_in", "Attempt Time", "IP Address", "User Agent", "Axes",
    "Log entries", "log entries", "Access logs", "Access failures", "Resource", "Correlation", "Remaining",
    "Can add", "Can view",
]  # fmt: skip


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(text).split())


def test_the_staff_site_has_no_english_left_in_finnish(client, vet, checkup, open_day):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    appointment = make_appointment(checkup, vet, at(open_day, 9), source=Appointment.Source.WALK_IN)
    client.force_login(root)
    client.get(reverse("admin:bookings_appointment_change", args=[appointment.pk]))  # an access entry
    client.post(reverse("admin:bookings_appointment_cancel", args=[appointment.pk]), {"reason": "vet ill"})
    entry = LogEntry.objects.filter(action=LogEntry.Action.UPDATE).first()
    access = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).first()
    pages = [
        reverse("admin:index"),
        reverse("admin:app_list", args=["axes"]),
        reverse("admin:axes_accesslog_changelist"),
        reverse("admin:axes_accessfailurelog_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:auditlog_logentry_changelist"),
        reverse("admin:auditlog_logentry_change", args=[entry.pk]),
        reverse("admin:auditlog_logentry_change", args=[access.pk]),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[root.pk]),
        reverse("admin:bookings_service_change", args=[checkup.pk]),
        reverse("admin:bookings_appointment_change", args=[appointment.pk]),
        reverse("admin:bookings_appointment_changelist"),
    ]
    leftovers = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        found = [word for word in ENGLISH if re.search(rf"(?<![\w/.-]){re.escape(word)}(?![\w])", text)]
        if found:
            leftovers[url] = found
    assert not leftovers, leftovers


def test_audit_entries_show_local_times_and_readable_values(client, dpo, vet, checkup, open_day):
    appointment = make_appointment(checkup, vet, at(open_day, 9))
    appointment.start = at(open_day, 10)
    appointment.end = at(open_day, 10, 30)
    appointment.occupied_start, appointment.occupied_end = appointment.start, appointment.end
    appointment.source = Appointment.Source.WALK_IN
    appointment.save()
    entry = LogEntry.objects.get_for_object(appointment).get(action=LogEntry.Action.UPDATE)
    client.force_login(dpo)
    page = visible_text(
        client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()
    )
    with translation.override("fi"):
        assert formats.date_format(timezone.localtime(entry.timestamp), "SHORT_DATETIME_FORMAT") in page
        before = formats.date_format(at(open_day, 9), "SHORT_DATETIME_FORMAT")
        after = formats.date_format(at(open_day, 10), "SHORT_DATETIME_FORMAT")
    assert f"{before} {after}" in page and ":00:00" not in page  # the start, local, not UTC
    assert "walk_in" not in page and "None" not in page
    assert "Customer" not in page or "Asiakas" in page
