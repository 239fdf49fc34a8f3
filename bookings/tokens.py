"""Manage links: the booking reference plus a secret token, stored only as a SHA-256 hash.

The token is an HMAC of the reference under the server's secret key (160 bits), so the server
can put the same link in later emails (reminders, the "send my link again" form) without keeping
the token anywhere; the database holds only its hash, and a wrong token costs the same to check
as a right one. Erasure and anonymisation clear the hash, which kills the link.
"""

import base64
import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

TOKEN_BYTES = 20
# Compared against when no booking matches, so that a wrong link costs the same as a right one.
_NO_MATCH = hashlib.sha256(b"no booking matches").hexdigest()


def manage_token(reference: str, secret: str | None = None) -> str:
    digest = salted_hmac("bookings.manage-link", reference, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest[:TOKEN_BYTES]).decode().lower()


def current_manage_token(appointment) -> str | None:
    """The token of the appointment's link, or None when it has none (erased).

    After the secret key is rotated, links given out under an old key (in SECRET_KEY_FALLBACKS)
    stay valid; this finds the key they were made with, so later emails repeat the same link.
    """
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        token = manage_token(appointment.reference, secret)
        if appointment.manage_token_hash and constant_time_compare(
            hash_token(token), appointment.manage_token_hash
        ):
            return token
    return None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str | None) -> bool:
    """Constant-time check of a presented token against a stored hash (None never matches)."""
    matches = constant_time_compare(hash_token(token), stored_hash or _NO_MATCH)
    return matches and stored_hash is not None


def link_code(purpose: str, reference: str, email: str) -> str:
    """The code of a link emailed to `email` about a booking ("address": confirm the address;
    "marketing": give marketing consent; "new-email": confirm a changed address). Only someone
    who received that email has it: an HMAC of the purpose, the booking and the address (80 bits)."""
    digest = salted_hmac(f"bookings.{purpose}", f"{reference}:{email}", algorithm="sha256").digest()
    return base64.b32encode(digest[:10]).decode().lower()


def address_code(reference: str, email: str) -> str:
    return link_code("address", reference, email)


def new_request_key() -> str:
    """A fresh random key for one booking form: submitting the same form twice books once."""
    return secrets.token_urlsafe(24)
