"""Manage-link tokens: 160 random bits the client holds, stored only as a SHA-256 hash."""

import base64
import hashlib
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

TOKEN_BYTES = 20
# Compared against when no booking matches, so that a wrong link costs the same as a right one.
_NO_MATCH = hashlib.sha256(b"no booking matches").hexdigest()


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode().lower()


def new_nonce() -> str:
    """A fresh random value for one booking form; the form's manage token derives from it."""
    return _encode(secrets.token_bytes(TOKEN_BYTES))


def token_for_nonce(nonce: str) -> str:
    """The manage token of the booking made from a form: a replayed form yields the same token."""
    return _encode(salted_hmac("bookings.manage-token", nonce, algorithm="sha256").digest()[:TOKEN_BYTES])


def new_token() -> str:
    return _encode(secrets.token_bytes(TOKEN_BYTES))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str | None) -> bool:
    """Constant-time check of a presented token against a stored hash (None never matches)."""
    matches = constant_time_compare(hash_token(token), stored_hash or _NO_MATCH)
    return matches and stored_hash is not None
