"""A proof-of-work challenge for the booking form, with no third party: ALTCHA's protocol, served and
checked by the `altcha` library, solved in the browser by static/js/proof-of-work.js.

The browser must find the number n (0 ≤ n ≤ MAX_NUMBER) with SHA-256(salt + n) equal to the
challenge: about a second of a phone's work per booking, nothing for a person, a real cost for
someone sending thousands. A solved challenge is accepted once, before it expires. Without
JavaScript the challenge cannot be solved; the form says so and gives the practice's phone.
"""

import base64
import json
from datetime import timedelta

from altcha.v1 import ChallengeOptions, create_challenge, verify_solution
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from inuvet import ratelimit

MAX_NUMBER = 100_000
LIFETIME = timedelta(minutes=20)


def _key() -> str:
    return salted_hmac("online.proof-of-work", "key", algorithm="sha256").hexdigest()


def new_challenge() -> dict:
    """What the form carries for the browser to solve (JSON-friendly)."""
    challenge = create_challenge(
        ChallengeOptions(hmac_key=_key(), max_number=MAX_NUMBER, expires=timezone.now() + LIFETIME)
    )
    return challenge.to_dict()


def solved(payload: str) -> bool:
    """Whether `payload` (base64 JSON from the browser) solves a challenge of ours that has not
    expired and was not used before. Never raises on junk."""
    if not payload or len(payload) > 2000:
        return False
    try:
        ok, _error = verify_solution(payload, _key(), check_expires=True)
    except (TypeError, ValueError, AttributeError, KeyError):
        return False
    if not ok:
        return False
    # One challenge, one use: its salt (random, and covered by the signature) is kept until the
    # challenge would expire anyway. Not the payload's bytes: the same solution can be re-encoded.
    # Kept where the rate limits are (the database, or Redis): shared by every worker and server,
    # and out of the page cache, whose copies could otherwise push it out.
    salt = json.loads(base64.b64decode(payload))["salt"]
    return ratelimit.first_use(f"proof-of-work:{salt}", int(LIFETIME.total_seconds()) + 60)


SITE = "all addresses"  # who the site-wide threshold counts


def required(request) -> bool:
    """Whether this client's booking must carry a solved challenge: always, never, or (auto)
    once its address, or everyone together, passed the threshold of booking attempts."""
    if settings.PROOF_OF_WORK != "auto":
        return settings.PROOF_OF_WORK == "always"
    return ratelimit.over_limit(request, "proof_of_work_address") or ratelimit.over_limit(
        request, "proof_of_work_site", who=SITE
    )


def count_attempt(request) -> None:
    """One booking attempt, towards the thresholds."""
    ratelimit.count(request, "proof_of_work_address")
    ratelimit.try_use(request, "proof_of_work_site", who=SITE)
