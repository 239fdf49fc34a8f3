"""The proof-of-work challenge: solved once it counts, once only, and junk never breaks it."""

import base64
import hashlib
import json

import pytest
from django.core.cache import cache

from online.proof_of_work import MAX_NUMBER, new_challenge, solved


def solve(challenge: dict, **changes) -> str:
    number = next(
        n
        for n in range(MAX_NUMBER + 1)
        if hashlib.sha256(f"{challenge['salt']}{n}".encode()).hexdigest() == challenge["challenge"]
    )
    payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    return base64.b64encode(json.dumps({**payload, "number": number, **changes}).encode()).decode()


@pytest.mark.django_db
def test_a_solution_counts_once():
    challenge = new_challenge()
    payload = solve(challenge)
    assert solved(payload) is True
    assert solved(payload) is False  # replayed
    # The same solution written differently is the same challenge, still used.
    reordered = json.loads(base64.b64decode(payload))
    assert solved(base64.b64encode(json.dumps(dict(reversed(reordered.items()))).encode()).decode()) is False


@pytest.mark.django_db
@pytest.mark.parametrize("limits", [True, False])
def test_a_used_solution_stays_used_on_another_worker_and_after_a_flood_of_cached_pages(settings, limits):
    """Kept in the rate limits' storage (the database here), not in a worker's own cache, which
    the other worker does not see and which cached pages can crowd out."""
    settings.RATE_LIMITS_ENABLED = limits
    payload = solve(new_challenge())
    assert solved(payload) is True
    cache.clear()  # another worker's empty cache, or this one's after a flood
    assert solved(payload) is False


def test_a_wrong_number_or_a_forged_challenge_does_not_count():
    challenge = new_challenge()
    assert solved(solve(challenge, number=-1)) is False
    forged = {**challenge, "signature": "0" * 64}
    assert solved(solve(forged)) is False


@pytest.mark.parametrize(
    "junk",
    ["", "x", "\x00", base64.b64encode(b"5").decode(), base64.b64encode(b"[1]").decode(), "A" * 5000,
     base64.b64encode(b'{"algorithm": "SHA-256", "challenge": 1, "number": {}, "salt": [], "signature": null}').decode()],
)  # fmt: skip
def test_junk_is_refused_without_an_error(junk):
    assert solved(junk) is False
