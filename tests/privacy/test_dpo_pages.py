"""The data-protection officer's pages: whose each request is, the person picked by search (not an id),
a correction tied to a rectification request and back to the person, an export a layperson can read,
and an erasure receipt in words."""

import io
import re
import zipfile

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bookings.templatetags.booking_format import when
from privacy.erasure import erase_person
from privacy.models import DataSubjectRequest, ErasureReceipt
from tests.factories import at, make_appointment, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, dpo):
    client.force_login(dpo)
    return client


def test_the_request_list_says_whose_request_it_is_or_that_the_person_was_erased(office, dpo):
    linked = make_customer(name="Pyytäjä Henkilö")
    DataSubjectRequest.objects.create(kind="access", channel="email", customer=linked)
    DataSubjectRequest.objects.create(kind="access", channel="letter", subject="kirje: M. Meikäläinen")
    gone = make_customer(name="Poistettu Henkilö")
    erased_request = DataSubjectRequest.objects.create(kind="erasure", channel="email", customer=gone)
    erase_person(customers=[gone], reason=ErasureReceipt.Reason.REQUEST, request=erased_request)
    office.cookies["django_language"] = "en"
    page = office.get(reverse("admin:privacy_datasubjectrequest_changelist")).content.decode()
    assert "Pyytäjä Henkilö" in page and "kirje: M. Meikäläinen" in page and ">erased<" in page
    assert "Poistettu" not in page
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(linked.pk))
    assert entry.actor == dpo and entry.additional_data == {"purpose": "list"}


def test_the_request_form_shows_the_person_picked_on_find_never_an_id_box(office):
    person = make_customer(name="Valittu Henkilö")
    found = office.post(reverse("admin:privacy_find"), {"q": "Valittu"}).content.decode()
    add_url = f"{reverse('admin:privacy_datasubjectrequest_add')}?customer={person.pk}"
    assert add_url in found
    form = office.get(add_url).content.decode()
    assert "Valittu Henkilö" in form and f'type="hidden" name="customer" value="{person.pk}"' in form
    assert "vForeignKeyRawIdAdminField" not in form and 'class="related-lookup"' not in form


def test_an_existing_request_is_linked_to_the_person_from_find(office):
    person = make_customer(name="Linkattava Henkilö")
    request = DataSubjectRequest.objects.create(kind="access", channel="letter")
    form = office.get(reverse("admin:privacy_datasubjectrequest_change", args=[request.pk])).content.decode()
    assert f"for_request={request.pk}" in form
    found = office.post(
        reverse("admin:privacy_find"), {"q": "Linkattava", "for_request": request.pk}
    ).content.decode()
    assert reverse("admin:privacy_link") in found
    office.post(reverse("admin:privacy_link"), {"for_request": request.pk, "customer": person.pk})
    request.refresh_from_db()
    assert request.customer == person


def test_a_correction_completes_its_rectification_request_and_returns_to_the_person(office):
    person = make_customer(name="Vanha Nimi", phone="+358401112233", email="")
    rectification = DataSubjectRequest.objects.create(kind="rectification", channel="email", customer=person)
    DataSubjectRequest.objects.create(kind="access", channel="email")  # not offered: another kind
    url = reverse("admin:customers_customer_change", args=[person.pk])
    page = office.get(url).content.decode()
    offered = re.findall(
        r'<option value="(\d+)"', page.split('name="rectification"')[1].split("</select>")[0]
    )
    assert offered == [str(rectification.pk)]
    response = office.post(
        url,
        {"name": "Uusi Nimi", "phone": "0401112233", "email": "", "rectification": rectification.pk,
         "appointments-TOTAL_FORMS": "0", "appointments-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response["Location"] == url  # back to the person, not to a list of every customer
    person.refresh_from_db()
    rectification.refresh_from_db()
    assert person.name == "Uusi Nimi" and rectification.status == "completed" and rectification.completed_on


def test_reception_corrects_without_any_request_field(client, reception):
    person = make_customer(name="Vastaanoton Asiakas")
    client.force_login(reception)
    page = client.get(reverse("admin:customers_customer_change", args=[person.pk])).content.decode()
    assert 'name="rectification"' not in page


def unzip_html(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("index.html").decode()


def test_the_export_page_is_styled_local_in_the_clients_language_and_explains_each_section(
    office, vet, checkup, open_day, reception
):
    person = make_customer(name="Lukija Henkilö")
    make_appointment(checkup, vet, at(open_day, 9), customer=person, language="sv")
    desk = Client()
    desk.force_login(reception)
    desk.get(reverse("admin:customers_customer_change", args=[person.pk]))  # an access entry to show
    html = unzip_html(office.post(reverse("admin:privacy_export"), {"customers": [person.pk]}).content)
    body = html.split("<body>")[1]
    assert '<html lang="sv">' in html and "<style>" in html
    assert "T09:00:00" not in html and not re.search(r"\d\d:\d\d:\d\d", body)  # no ISO or microseconds
    with translation.override("sv"):
        assert when(at(open_day, 9)) in body  # the visit's date and time as every page writes them
    for english_code in ("access", "create", "booking_confirmed", "(view)"):
        assert english_code not in body, english_code
    assert body.count('class="explain"') >= 9  # a sentence for every section


def test_the_erasure_receipt_says_in_words_what_was_erased(office, vet, checkup, open_day):
    person = make_customer(name="Kuitti Henkilö")
    make_appointment(checkup, vet, at(open_day, 9), customer=person)
    receipt = erase_person(customers=[person], reason=ErasureReceipt.Reason.REQUEST)
    office.cookies["django_language"] = "en"
    page = office.get(reverse("admin:privacy_erasurereceipt_change", args=[receipt.pk])).content.decode()
    assert "1 customer record deleted" in page
    assert "1 upcoming booking cancelled first" in page
    assert (
        '"customer_records"' not in page and "{" not in page.split('id="content-main"')[1].split("</form>")[0]
    )


def test_the_marketing_list_comes_for_finnish_excel_too(office):
    from privacy.models import ConsentRecord

    person = make_customer(name="Markkinointi Myönteinen", email="mm@example.com")
    ConsentRecord.objects.create(customer=person, purpose="marketing", given=True, text="Kyllä", language="fi",
                                 source="form")  # fmt: skip
    plain = office.get(reverse("admin:privacy_marketing")).content.decode("utf-8-sig")
    finnish = office.get(reverse("admin:privacy_marketing"), {"format": "fi"}).content.decode("utf-8-sig")
    assert "Markkinointi Myönteinen,mm@example.com" in plain
    assert "Markkinointi Myönteinen;mm@example.com" in finnish


@pytest.mark.parametrize("value", ["¹", "١", "0", "x"])
def test_an_id_in_other_digits_is_no_error_on_the_dpo_pages(office, value):
    """str.isdigit() takes "¹", int() does not: these were 500s from a query string or a form."""
    pages = [
        office.get(f"{reverse('admin:privacy_datasubjectrequest_add')}?customer={value}"),
        office.get(reverse("admin:privacy_find"), {"for_request": value}),
        office.post(reverse("admin:privacy_find"), {"q": "Maija", "for_request": value}),
        office.post(reverse("admin:privacy_link"), {"for_request": value, "customer": value}),
        office.get(reverse("admin:privacy_datasubjectrequest_changelist"), {"customer": value}),
    ]
    assert all(page.status_code < 500 for page in pages), [page.status_code for page in pages]
