"""The client's booking as one write: the appointment and, when the box was ticked, the email
asking the address's holder to confirm marketing consent commit together or not at all."""

from django.db import transaction

from bookings.services import Booked, book_appointment
from privacy.services import ask_marketing_consent


def book_online(*, marketing_consent: bool, language: str, **booking) -> Booked:
    """Book as `book_appointment` does (online rules). Consent is never recorded from the form
    alone: whoever typed the address may not hold it, so its holder confirms from an email.

    A replayed form sends nothing again.

    Raises:
        As book_appointment.
    """
    if not marketing_consent:
        return book_appointment(language=language, **booking)
    # A crash between the two writes must not leave a booking without its consent request or the reverse.
    with transaction.atomic():
        booked = book_appointment(language=language, **booking)
        if not booked.replayed:
            ask_marketing_consent(appointment=booked.appointment, language=language)
    return booked
