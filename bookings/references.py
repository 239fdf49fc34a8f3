"""Booking references: six characters a client can read out over the phone (K7M-4QX).

The alphabet leaves out characters that are easy to confuse (0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G).
"""

import secrets

ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
LENGTH = 6


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_reference(reference: str) -> str:
    return f"{reference[:3]}-{reference[3:]}" if len(reference) == LENGTH else reference


def parse_reference(text: str) -> str | None:
    """The stored form of a typed reference ("k7m 4qx" → "K7M4QX"), or None if it cannot be one."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -")
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned
