"""Random input at the details form: never a server error, never a half-written booking."""

import pytest
from django.db.models import Count
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Appointment
from customers.models import Customer
from tests.factories import at

pytestmark = pytest.mark.django_db

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600)
fields = st.fixed_dictionaries(
    {},
    optional={
        "name": text,
        "phone": st.one_of(text, st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True)),
        "email": st.one_of(text, st.emails()),
        "message": text,
        "marketing_consent": st.sampled_from(["on", "", "yes", "0", "\x00"]),
        "request_key": st.one_of(text, st.just("")),
        "unexpected": text,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=fields)
def test_random_details_never_fail_the_server_or_write_half(client, checkup, open_day, data, settings):
    settings.RATE_LIMITS_ENABLED = False
    url = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    response = client.post(url, data)
    assert response.status_code in {200, 302, 400, 409, 429}
    # Every customer row belongs to an appointment: nothing was left behind by a failed attempt.
    assert not Customer.objects.annotate(n=Count("appointments")).filter(n=0).exists()
    assert Appointment.objects.count() <= 1
