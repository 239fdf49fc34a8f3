"""Export (access and portability): everything about the person, in one zip, itself audited."""

import io
import json
import zipfile

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from bookings.tokens import manage_token
from privacy.models import ConsentRecord, DataSubjectRequest, ExportRecord
from privacy.services import PrivacyError, export_person
from tests.factories import at, make_appointment, make_customer

pytestmark = pytest.mark.django_db


def unzip(content: bytes) -> tuple[dict, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["data.json", "index.html"]
        return json.loads(archive.read("data.json")), archive.read("index.html").decode()


@pytest.fixture
def viewed_person(client, reception, checkup, vet, open_day):
    customer = make_customer(name="Paula Portable", phone="+358405550000", email="paula@example.com")
    appointment = make_appointment(checkup, vet, at(open_day, 9), customer=customer, message="Parrot, claws")
    ConsentRecord.objects.create(
        customer=customer, purpose="marketing", given=True, text="Yes", language="fi", source="form"
    )
    DataSubjectRequest.objects.create(kind="access", channel="letter", customer=customer)
    client.force_login(reception)
    client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    client.logout()
    return customer, appointment


def test_export_holds_everything_and_says_who_viewed_the_data(dpo, client, viewed_person):
    customer, appointment = viewed_person
    client.force_login(dpo)
    response = client.post(reverse("admin:privacy_export"), {"customers": [customer.pk]})
    assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]
    data, html = unzip(response.content)
    assert data["customer_records"][0]["email"] == "paula@example.com"
    assert data["appointments"][0]["message"] == "Parrot, claws"
    assert data["appointments"][0]["reference"] == appointment.display_reference
    assert data["consents"][0]["given"] is True and data["requests"][0]["type"]
    assert any(e["who"] == "reception" for e in data["access_log"])
    for key in ("purposes", "legal_bases", "recipients", "retention", "rights", "source"):
        assert data["information"][key]
    assert "Paula Portable" in html and "Parrot, claws" in html and "reception" in html


def test_each_export_is_itself_audited(dpo, client, viewed_person):
    customer, _ = viewed_person
    client.force_login(dpo)
    client.post(reverse("admin:privacy_export"), {"customers": [customer.pk]})
    record = ExportRecord.objects.get()
    assert record.actor == dpo and record.kind == "person" and record.customers == 1
    entry = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=dpo, object_pk=str(customer.pk)
    ).get()
    assert entry.additional_data["purpose"] == "export"
    # The next export shows the previous one.
    data, _ = unzip(export_person(customers=[customer], language="en"))
    assert any(e["who"] == "dpo" and e["purpose"] == "exported" for e in data["access_log"])


def test_export_of_an_erased_person_is_a_clear_message(client, dpo):
    with pytest.raises(PrivacyError):
        export_person(customers=[])
    client.force_login(dpo)
    response = client.post(reverse("admin:privacy_export"), {"customers": [999999]}, follow=True)
    assert response.status_code == 200 and not ExportRecord.objects.exists()


def test_client_downloads_their_data_from_the_manage_link(client, viewed_person):
    customer, appointment = viewed_person
    url = reverse("online:manage_export", args=[appointment.reference, manage_token(appointment.reference)])
    assert client.get(url).status_code == 405  # a download that is recorded is a POST
    response = client.post(url)
    data, _ = unzip(response.content)
    assert data["customer_records"][0]["name"] == "Paula Portable"
    assert ExportRecord.objects.get().by_subject is True
    assert DataSubjectRequest.objects.filter(kind="access", channel="web", status="completed").exists()


def test_marketing_list_lists_only_current_consents_escapes_cells_and_is_recorded(
    client, administrator, checkup, vet
):
    yes = make_customer(name="=HYPERLINK(evil)", email="yes@example.com")
    withdrawn = make_customer(email="withdrawn@example.com")
    never = make_customer(email="never@example.com")
    ConsentRecord.objects.create(
        customer=yes, purpose="marketing", given=True, text="t", language="fi", source="x"
    )
    ConsentRecord.objects.create(
        customer=withdrawn, purpose="marketing", given=True, text="t", language="fi", source="x"
    )
    ConsentRecord.objects.create(
        customer=withdrawn, purpose="marketing", given=False, text="t", language="fi", source="x"
    )
    client.force_login(administrator)
    body = client.get(reverse("admin:privacy_marketing")).content.decode()
    assert "yes@example.com" in body and "withdrawn@" not in body and never.email not in body
    assert "'=HYPERLINK(evil)" in body
    assert ExportRecord.objects.get(kind="marketing").actor == administrator
