"""Normalising the three things we keep about a person: name, phone and email.

Every write path and every search goes through these, so one person is always stored and found
the same way whatever they typed.
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
PHONE_MAX_INPUT_LENGTH = 30
DEFAULT_REGION = "FI"

_WHITESPACE = re.compile(r"\s+")


# Format characters that emoji are made of: the zero-width joiner of 🐕‍🦺 and 👩‍⚕️, the non-joiner
# some scripts need, and the tag characters of subdivision flags (🏴󠁧󠁢󠁳󠁣󠁴󠁿). Other format characters
# (bidirectional overrides, invisible separators) stay refused: they disguise text.
_ALLOWED_FORMAT = {"\u200c", "\u200d", *map(chr, range(0xE0020, 0xE0080))}


def has_control_characters(value: str) -> bool:
    """True for control and format characters (other than ordinary whitespace and emoji joiners)."""
    return any(
        unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"}
        and ch not in "\t\n\r"
        and ch not in _ALLOWED_FORMAT
        for ch in value
    )


def normalise_name(raw: str) -> str:
    """Trim and collapse whitespace. Raises ValidationError for empty, overlong or junk input."""
    if has_control_characters(raw):
        raise ValidationError(_("The name contains characters that are not allowed."))
    name = _WHITESPACE.sub(" ", raw).strip()
    if not name:
        raise ValidationError(_("Enter your name."))
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX_LENGTH}
        )
    return name


def normalise_phone(raw: str) -> str:
    """E.164 form (+358401234567); Finnish numbers may be typed without the country code.

    Raises ValidationError when the text is not a valid phone number.
    """
    text = raw.strip()
    if not text:
        raise ValidationError(_("Enter a phone number."))
    if len(text) > PHONE_MAX_INPUT_LENGTH or has_control_characters(text):
        raise ValidationError(_("Enter a valid phone number, for example 040 123 4567."))
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number, for example 040 123 4567.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, for example 040 123 4567."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Lower-case, trimmed address. Raises ValidationError when it is not an email address."""
    email = raw.strip().lower()
    if not email:
        raise ValidationError(_("Enter an email address."))
    if len(email) > EMAIL_MAX_LENGTH or has_control_characters(email):
        raise ValidationError(_("Enter a valid email address."))
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Enter a valid email address.")) from None
    return email


def can_receive_sms(e164: str) -> bool:
    """Whether the number is a mobile one (landlines cannot receive text messages)."""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }


def phone_lookup(raw: str) -> dict:
    """A lookup for stored phones matching what someone typed: the whole number in any format,
    or its last digits (at least four); {} when the text is no phone at all."""
    try:
        return {"phone": normalise_phone(raw)}
    except ValidationError:
        digits = re.sub(r"\D", "", raw)
        return (
            {"phone__endswith": digits}
            if len(digits) >= 4 and len(digits) == len(raw.replace(" ", ""))
            else {}
        )


def _finnish_groups(national: str) -> str:
    """Group a Finnish national number as Finns write it: the area or operator code, then the
    subscriber number with its last four digits apart (040 085 4343, 09 123 4567, 09 3123 4567;
    a longer rest in threes: 050 123 456 7890). phonenumbers gives `040 0854343`."""
    code, _, subscriber = national.partition(" ")
    subscriber = subscriber.replace(" ", "")
    if not code or len(subscriber) < 7:
        return national
    head, tail = subscriber[:-4], subscriber[-4:]
    groups = [head] if len(head) <= 4 else [head[i : i + 3] for i in range(0, len(head), 3)]
    return " ".join([code, *groups, tail])


def format_phone(e164: str) -> str:
    """Display form: national for Finnish numbers (040 123 4567), international otherwise."""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 358:
        return _finnish_groups(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
