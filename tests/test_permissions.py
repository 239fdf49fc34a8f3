"""The permission matrix: every staff URL, for every role, an anonymous visitor and a superuser.

The expectations are written out here, independently of inuvet/roles.py. A URL that the admin
site serves but this table does not list fails the test: new pages must state who may use them.
"""

import re
from datetime import time

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from inuvet import roles
from privacy.models import ConsentRecord, DataSubjectRequest, ErasureReceipt, ExportRecord
from tests.factories import (
    at,
    make_appointment,
    make_customer,
    make_practitioner,
    make_service,
    make_staff,
    next_open_weekday,
)
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db

R, P, D, A = "reception", "practitioner", "dpo", "administrator"
STAFF = {R, P, D, A}  # any role may see the index and change their password; no role, no staff site
CONFIG = {"view": {R, P, A}, "add": {A}, "change": {A}, "delete": {A}}


def crud(view=frozenset(), add=frozenset(), change=frozenset(), delete=frozenset()):
    """Expected roles per admin page of a model. `change` GET is the object page: viewers see it too."""
    return {
        "changelist": set(view),
        "add": set(add),
        "change": set(view) | set(change),
        "delete": set(delete),
        "history": set(view),
    }


MODELS = {
    "bookings.appointment": crud(view={R, P, D}, add={R}),
    "bookings.service": crud(view=CONFIG["view"], add={A}, change={A}, delete={A}),
    "bookings.species": crud(view=CONFIG["view"], add={A}, change={A}, delete={A}),
    "bookings.practitioner": crud(view=CONFIG["view"], add={A}, change={A}, delete={A}),
    "bookings.workinghours": crud(view=CONFIG["view"], add={A}, change={A}, delete={A}),
    "bookings.closure": crud(view=CONFIG["view"], add={A}, change={A}, delete={A}),
    "customers.customer": crud(view={R, D}, add={R}, change={R, D}),
    "privacy.consentrecord": crud(view={D}),
    "privacy.datasubjectrequest": crud(view={D}, add={D}, change={D}),
    "privacy.exportrecord": crud(view={D}),
    "privacy.erasurereceipt": crud(view={D}),
    "auditlog.logentry": crud(view={D, A}),
    "axes.accesslog": crud(view={D, A}),
    "axes.accessfailurelog": crud(view={D, A}),
    "axes.accessattempt": crud(view={A}, delete={A}),
    "auth.user": crud(view={A}, add={A}, change={A}),
    "auth.group": crud(view={A}),
    "waitlist.waitlistentry": crud(view={R, P, D, A}, delete={R}),
}
# Pages nobody may use, superusers included: the audit trail and the records erasure keeps.
NOBODY = {
    ("bookings.appointment", "delete"),
    ("customers.customer", "delete"),
    ("privacy.consentrecord", "add"),
    ("privacy.consentrecord", "delete"),
    ("privacy.datasubjectrequest", "delete"),
    ("privacy.exportrecord", "add"),
    ("privacy.exportrecord", "delete"),
    ("privacy.erasurereceipt", "add"),
    ("privacy.erasurereceipt", "delete"),
    ("auditlog.logentry", "add"),
    ("auditlog.logentry", "delete"),
    ("axes.accesslog", "add"),
    ("axes.accesslog", "delete"),
    ("axes.accessfailurelog", "add"),
    ("axes.accessfailurelog", "delete"),
    ("axes.accessattempt", "add"),
    ("auth.user", "delete"),  # staff accounts are deactivated: the audit trail keeps its actors
    ("waitlist.waitlistentry", "add"),  # clients join from the booking pages
}
OTHER = {
    "index": STAFF,
    "password_change": STAFF,
    "password_change_done": STAFF,
    "jsi18n": STAFF,
    "otp_setup": STAFF,
    "otp_verify": STAFF,
    "app_list": {R, P, D, A},  # for app "bookings": everyone sees some of it
    "calendar": {R, P, A},
    "calendar_print": {R, P, A},  # the printable day list
    "calendar_feed_page": {R, P, A},  # one's own calendar feed (for a user linked to a practitioner)
    "calendar_book": {R},
    "reports": {R, A},
    "reports_csv": {R, A},
    "bookings_appointment_status": {R, P},  # POST
    "bookings_appointment_cancel": {R, A},  # GET: the confirm step
    "bookings_appointment_move": {R, A},
    "calendar_affected": {R, A},  # appointments a closure or a change of hours affects
    "auth_user_password_change": {A},
    "privacy_dashboard": {D},
    "privacy_find": {D},
    "privacy_export": {D},  # POST
    "privacy_erase": {D},  # POST
    "privacy_link": {D},  # POST
    "privacy_marketing": {D, A},
}
POST_ONLY = {"bookings_appointment_status", "privacy_export", "privacy_erase", "privacy_link"}
NOT_CHECKED = {
    "login": "public sign-in page",
    "logout": "POST-only sign-out",
    "autocomplete": "not served to anyone (test_the_autocomplete_lists_nobody)",
    "view_on_site": "redirects to an object's public URL, none defined",
}


def admin_url_names(patterns=None) -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else admin.site.get_urls():
        if isinstance(pattern, URLResolver):
            names |= admin_url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def expected_table() -> dict[str, set[str]]:
    table = dict(OTHER)
    for model, pages in MODELS.items():
        app_label, name = model.split(".")
        for page, allowed in pages.items():
            table[f"{app_label}_{name}_{page}"] = allowed
    return table


def test_every_admin_url_is_in_the_matrix():
    missing = admin_url_names() - set(expected_table()) - set(NOT_CHECKED)
    assert not missing, f"add these URLs to the permission matrix: {sorted(missing)}"


@pytest.fixture
def world(db):
    vet = make_practitioner("Aino")
    service = make_service([vet])
    customer = make_customer()
    appointment = make_appointment(service, vet, at(next_open_weekday(), 9), customer=customer)
    privacy_request = DataSubjectRequest.objects.create(kind="access", channel="email", customer=customer)
    receipt = ErasureReceipt.objects.create(reason="request", counts={})
    export = ExportRecord.objects.create(kind="person", customers=1)
    consent = ConsentRecord.objects.create(
        customer=customer, purpose="marketing", given=True, text="t", language="fi", source="test"
    )
    staff_user = make_staff("someone", roles.RECEPTION)
    objects = {
        "bookings.appointment": appointment,
        "bookings.service": service,
        "bookings.species": apps.get_model("bookings", "Species").objects.create(name="testilaji"),
        "bookings.practitioner": vet,
        # Hours not yet in force: those already in force are ended, never deleted.
        "bookings.workinghours": vet.working_hours.create(
            weekday=5,
            start=time(9),
            end=time(12),
            valid_from=timezone.localdate() + timezone.timedelta(days=30),
        ),
        "bookings.closure": apps.get_model("bookings", "Closure").objects.create(
            start=timezone.now(), end=timezone.now() + timezone.timedelta(hours=1)
        ),
        "customers.customer": customer,
        "privacy.consentrecord": consent,
        "privacy.datasubjectrequest": privacy_request,
        "privacy.erasurereceipt": receipt,
        "privacy.exportrecord": export,
        "auditlog.logentry": LogEntry.objects.first(),
        "axes.accesslog": AccessLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="t", path_info="/"
        ),
        "axes.accessfailurelog": AccessFailureLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="t", path_info="/", locked_out=False
        ),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="t", path_info="/", failures_since_start=1
        ),
        "auth.user": staff_user,
        "auth.group": Group.objects.get(name=roles.RECEPTION),
        "waitlist.waitlistentry": WaitlistEntry.objects.create(
            service=service,
            first_day=timezone.localdate(),
            last_day=timezone.localdate(),
            name="Waiting Wilma",
            phone="+358401230000",
            email="wilma@example.com",
            token_hash="x" * 64,
        ),
    }
    assert all(objects.values())
    return objects


def url_for(name: str, world) -> str:
    for model, obj in world.items():
        prefix = model.replace(".", "_") + "_"
        if name.startswith(prefix):
            page = name[len(prefix) :]
            if page in {"changelist", "add"}:
                return reverse(f"admin:{name}")
            if page in {"status", "cancel", "move"}:
                return reverse(f"admin:{name}", args=[obj.pk])
            if page == "password_change":
                return reverse(f"admin:{name}", args=[obj.pk])
            return reverse(f"admin:{name}", args=[obj.pk])
    if name == "app_list":
        return reverse("admin:app_list", args=["bookings"])
    if name == "reports_csv":
        return reverse("admin:reports_csv", args=["by_service"])
    return reverse(f"admin:{name}")


def actors(db):
    users = {
        R: make_staff("m-reception", roles.RECEPTION),
        P: make_staff("m-practitioner", roles.PRACTITIONER),
        D: make_staff("m-dpo", roles.DATA_PROTECTION_OFFICER),
        A: make_staff("m-admin", roles.ADMINISTRATOR),
        "no role": make_staff("m-norole", None),
        "superuser": get_user_model().objects.create_superuser("m-root", password="correct-horse-battery"),
    }
    return users


def outcome(client, name: str, path: str) -> str:
    response = client.post(path, {"status": "arrived"}) if name in POST_ONLY else client.get(path)
    login = reverse("admin:login")
    if response.status_code == 302 and response["Location"].startswith(login):
        return "login"
    if response.status_code in (200, 302):
        return "allowed"
    if response.status_code in (403, 404, 405):
        return "denied"
    return f"status {response.status_code}"


def test_permission_matrix(client, world):
    users = actors(None)
    table = expected_table()
    wrong = []
    for name in sorted(table):
        path = url_for(name, world)
        model_page = next(
            (
                (model, name[len(model.replace(".", "_")) + 1 :])
                for model in MODELS
                if name.startswith(model.replace(".", "_") + "_")
            ),
            None,
        )
        for actor, user in [("anonymous", None), *users.items()]:
            client.logout()
            if user is not None:
                client.force_login(user)
            if actor in {"anonymous", "no role"}:
                expected = "login"
            elif actor == "superuser":
                expected = "denied" if model_page in NOBODY else "allowed"
            else:
                expected = "allowed" if actor in table[name] else "denied"
            got = outcome(client, name, path)
            if got != expected:
                wrong.append(f"{name} {path} as {actor}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_groups_in_the_database_hold_exactly_the_roles_of_roles_py():
    """Fails when inuvet/roles.py changed without a migration that syncs the groups."""
    for role, wanted in roles.ROLES.items():
        group = Group.objects.get(name=role)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == wanted, role


def test_the_administrator_cannot_grant_themselves_or_anyone_more(client, administrator, reception, dpo):
    client.force_login(administrator)
    page = client.get(reverse("admin:auth_user_change", args=[reception.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    offered = set(re.findall(r'name="groups" value="(\d+)"', page))
    assert offered == {str(Group.objects.get(name=name).pk) for name in (roles.RECEPTION, roles.PRACTITIONER)}
    for target in (administrator, dpo):  # themselves, and a privileged role
        response = client.post(
            reverse("admin:auth_user_change", args=[target.pk]),
            {"username": target.username, "is_superuser": "on"},
        )
        assert response.status_code == 403
        target.refresh_from_db()
        assert not target.is_superuser
        assert client.get(reverse("admin:auth_user_password_change", args=[target.pk])).status_code == 403
    dpo_group = Group.objects.get(name=roles.DATA_PROTECTION_OFFICER)
    client.post(
        reverse("admin:auth_user_change", args=[reception.pk]),
        {"username": "reception", "is_active": "on", "is_staff": "on", "groups": [dpo_group.pk]},
    )
    assert not reception.groups.filter(name=roles.DATA_PROTECTION_OFFICER).exists()


def test_the_autocomplete_lists_nobody(client, reception, dpo):
    """Nothing here picks records by autocomplete; it would list customers on a GET, unlogged."""
    make_customer(name="Aada Autocomplete")
    for user in (reception, dpo):
        client.force_login(user)
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "bookings", "model_name": "appointment", "field_name": "customer", "term": "Aada"},
        )
        assert response.status_code == 404 and b'"results"' not in response.content
