from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from bookings.models import Appointment, Practitioner, Service

pytestmark = pytest.mark.django_db


def seed(*args, **kwargs):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_seed_makes_a_believable_practice_once(settings):
    settings.DEMO_MODE = False
    seed()
    seed()
    assert Practitioner.objects.count() == 3
    names = set(Service.objects.values_list("name", flat=True))
    assert {"Terveystarkastus", "Rokotus", "Hammashoito", "Sairauskäynti", "Kynsienleikkaus"} <= names
    assert not get_user_model().objects.exists()


def test_seeded_appointments_never_overlap():
    seed("--appointments", "800", "--seed", "3")
    assert Appointment.objects.count() == 800
    rows = sorted(
        Appointment.objects.active().values_list("practitioner_id", "occupied_start", "occupied_end")
    )
    for (p1, _, end1), (p2, start2, _) in zip(rows, rows[1:], strict=False):
        assert p1 != p2 or end1 <= start2


def test_demo_users_one_per_role_only_in_demo_mode(settings):
    settings.DEMO_MODE = True
    out = seed("--password", "demo-password-123")
    users = get_user_model().objects.filter(is_staff=True)
    assert sorted(u.username for u in users) == ["admin", "dpo", "practitioner", "reception"]
    assert all(u.check_password("demo-password-123") for u in users)
    assert all(u.groups.count() == 1 for u in users)
    assert "demo-password-123" not in out


def test_random_password_is_printed_when_none_is_given(settings):
    settings.DEMO_MODE = True
    out = seed()
    password = out.split("password: ")[1].strip()
    assert get_user_model().objects.get(username="dpo").check_password(password)


def test_negative_count_is_refused():
    with pytest.raises(CommandError):
        seed("--appointments", "-1")
    assert not Service.objects.exists()


def test_seeded_services_have_prices_and_species_and_appointments_an_animal():
    seed("--appointments", "200", "--seed", "5")
    assert not Service.objects.filter(price__isnull=True).exists()
    assert Service.objects.get(name="Hammashoito").species.filter(name="kissa").exists()
    assert Service.objects.get(name="Sairauskäynti").urgent
    assert not Appointment.objects.filter(species__isnull=True).exists()
    assert Appointment.objects.exclude(animal_name="").exists()
    for appointment in Appointment.objects.select_related("service", "species")[:50]:
        assert appointment.service.takes(appointment.species) and appointment.price is not None
