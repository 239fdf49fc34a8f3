"""URL parts of the public booking flow: a slot's start and the practitioner choice."""

from datetime import UTC, datetime


class SlotStartConverter:
    """A slot's start in UTC, e.g. 20261207T0700Z: unambiguous on DST days, no personal data."""

    regex = r"\d{8}T\d{4}Z"

    def to_python(self, value: str) -> datetime:
        start = datetime.strptime(value, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)  # ValueError → 404
        if not 2000 <= start.year <= 2100:
            raise ValueError("a slot is in this century")
        return start

    def to_url(self, value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


class PractitionerChoiceConverter:
    """`any` or a practitioner's id."""

    regex = r"any|[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> int | None:
        return None if value == "any" else int(value)

    def to_url(self, value) -> str:
        return "any" if value in (None, "any") else str(int(value))


class ReferenceConverter:
    regex = r"[A-Za-z0-9]{6}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


class TokenConverter:
    regex = r"[a-z2-7]{32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
