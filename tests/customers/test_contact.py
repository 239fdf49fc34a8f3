import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from customers.contact import (
    format_phone,
    normalise_email,
    normalise_name,
    normalise_phone,
    phone_lookup,
)


@pytest.mark.parametrize(
    "typed",
    ["040 085 4343", "0400854343", "+358 40 085 4343", "+358400854343", "(040) 085-4343", "00358400854343"],
)
def test_finnish_mobile_numbers_in_any_format_become_e164(typed):
    assert normalise_phone(typed) == "+358400854343"


def test_foreign_numbers_keep_their_country():
    assert normalise_phone("+46 8 123 456 78") == "+46812345678"


@pytest.mark.parametrize("typed", ["", "12", "abc", "040 085 4343 ext 999999999999999", "040\x00854343"])
def test_invalid_phones_are_refused(typed):
    with pytest.raises(ValidationError):
        normalise_phone(typed)


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("+358400854343", "040 085 4343"),  # as Finns write it, not phonenumbers' "040 0854343"
        ("+358401234567", "040 123 4567"),
        ("+35891234567", "09 123 4567"),
        ("+358931234567", "09 3123 4567"),
    ],
)
def test_display_form_groups_finnish_numbers_the_finnish_way(stored, shown):
    assert format_phone(stored) == shown


def test_display_form_is_international_for_other_countries():
    assert format_phone("+46812345678").startswith("+46 8")


def test_email_is_trimmed_and_lower_cased():
    assert normalise_email("  Noora.V@Inuvet.FI ") == "noora.v@inuvet.fi"


@pytest.mark.parametrize("typed", ["", "noora", "noora@", "a b@c.fi", "x" * 250 + "@example.com"])
def test_invalid_emails_are_refused(typed):
    with pytest.raises(ValidationError):
        normalise_email(typed)


def test_names_are_trimmed_and_control_characters_refused():
    assert normalise_name("  Noora \t Vahvelainen ") == "Noora Vahvelainen"
    with pytest.raises(ValidationError):
        normalise_name("Noora\u202eVahvelainen")  # right-to-left override
    with pytest.raises(ValidationError):
        normalise_name("   ")


def test_phone_search_accepts_partial_numbers():
    assert phone_lookup("040 085 4343") == {"phone": "+358400854343"}
    assert phone_lookup("4343") == {"phone__endswith": "4343"}
    assert phone_lookup("12") == {} and phone_lookup("maija") == {} and phone_lookup("K7M-4QX") == {}


@given(st.text(max_size=60))
def test_normalisers_never_fail_other_than_with_validation_error(text):
    for normalise in (normalise_name, normalise_phone, normalise_email):
        try:
            result = normalise(text)
        except ValidationError:
            continue
        assert isinstance(result, str) and result == result.strip()
