"""The client's booking as one write: the appointment and, when the box was ticked, the marketing
consent commit together or not at all."""

from django.db import transaction

from bookings.services import Booked, book_appointment
from online.forms import MARKETING_CONSENT_TEXT
from privacy.models import ConsentRecord
from privacy.services import record_consent


def book_online(*, marketing_consent: bool, language: str, **booking) -> Booked:
    """Book as `book_appointment` does (online rules); record the consent with the booking.

    A replayed form records nothing again.

    Raises:
        As book_appointment.
    """
    # A crash between the two writes must not leave a booking without its consent or the reverse.
    with transaction.atomic():
        booked = book_appointment(language=language, **booking)
        if marketing_consent and not booked.replayed:
            record_consent(
                customer=booked.appointment.customer,
                purpose=ConsentRecord.Purpose.MARKETING,
                given=True,
                text=str(MARKETING_CONSENT_TEXT),
                language=language,
                source="booking form",
            )
    return booked
