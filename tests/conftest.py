"""Fixtures for the actors every test talks about; data helpers are in tests/factories.py."""

import pytest
from django.core.cache import cache

from inuvet import roles
from tests.factories import make_practitioner, make_service, make_staff, next_open_weekday


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters never carry over from one test to the next."""
    cache.clear()


@pytest.fixture
def staff_roles(db):
    """The role groups, for tests with real commits: their database is flushed after every test,
    which removes what the role migrations made (pytest-django runs these tests last)."""
    roles.sync_roles()


@pytest.fixture
def en_client(client, settings):
    """A test client that chose English with the language switch (for asserting on wording)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def vet(db):
    return make_practitioner("Aino Virtanen")


@pytest.fixture
def checkup(vet):
    return make_service([vet], name="Terveystarkastus")


@pytest.fixture
def open_day():
    return next_open_weekday()


@pytest.fixture
def reception(db):
    return make_staff("reception", roles.RECEPTION)


@pytest.fixture
def practitioner_user(db):
    return make_staff("practitioner", roles.PRACTITIONER)


@pytest.fixture
def dpo(db):
    return make_staff("dpo", roles.DATA_PROTECTION_OFFICER)


@pytest.fixture
def administrator(db):
    return make_staff("admin", roles.ADMINISTRATOR)
