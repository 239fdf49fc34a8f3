"""The race through HTTP: many visitors, each with its own session and CSRF token, submit the
details form for one time at once against gunicorn with several workers."""

import threading
from collections import Counter

import pytest
from django.urls import reverse

from bookings.models import Appointment
from tests.factories import at, make_practitioner, make_service, next_open_weekday
from tests.servers import Gunicorn, collected_static
from tests.webclient import Visitor

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

VISITORS = 50


def test_fifty_visitors_racing_through_gunicorn_get_one_booking(tmp_path_factory):
    vet = make_practitioner("Aino")
    service = make_service([vet])
    start = at(next_open_weekday(), 9)
    path = reverse("online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": start})

    with Gunicorn(collected_static(tmp_path_factory.mktemp("race")), workers=4, threads=4) as server:
        visitors = [Visitor(server.url) for _ in range(VISITORS)]
        forms = [visitor.get(path) for visitor in visitors]
        assert all(status == 200 for status, _, _ in forms)
        barrier = threading.Barrier(VISITORS)
        outcomes = []

        def submit(n):
            visitor, (_, _, page) = visitors[n], forms[n]
            fields = {"name": f"Racer {n}", "phone": f"040 {n:07d}", "email": f"racer{n}@example.com"}
            barrier.wait()
            status, headers, body = visitor.follow(*visitor.post_form(path, page, fields))
            if status >= 500:
                outcomes.append(f"server error {status}")
            elif 'class="manage-link"' in body:  # the booking's own page
                outcomes.append("booked")
            elif status == 409 and 'class="alternatives"' in body and f'value="Racer {n}"' in body:
                outcomes.append("taken")  # the form again, as typed, with other times to book
            else:
                outcomes.append(f"unexpected {status}")

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(VISITORS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    assert Counter(outcomes) == Counter({"booked": 1, "taken": VISITORS - 1}), server.output[-3000:]
    assert Appointment.objects.count() == 1
    assert "Traceback" not in server.output
