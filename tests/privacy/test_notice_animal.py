"""The privacy notice names the animal's species and name as data of the booking, and why."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fi", ["eläimen laji", "eläimen nimi", "poistetaan yhdessä"]),
        ("sv", ["djurets art", "djurets namn", "raderas tillsammans"]),
        ("en", ["its species", "the animal's name", "erased together"]),
    ],
)
def test_the_notice_lists_the_animals_species_and_name_and_why(client, language, words):
    client.get(reverse("choose_language", args=[language]))
    page = client.get(reverse("privacy:notice")).content.decode().replace("&#x27;", "'")
    for word in words:
        assert word in page, (language, word)
