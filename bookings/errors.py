"""What the booking services refuse, as exceptions that carry a message for the person who tried.
Views turn them into form errors; bookings.services re-exports them."""

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _


def _clock(moment) -> str:
    return formats.time_format(timezone.localtime(moment), "TIME_FORMAT")


class BookingError(Exception):
    """A booking rule said no. `message` is for the person who tried."""

    message = _("The booking could not be made.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class SlotTaken(BookingError):
    message = _("Sorry, that time was just taken. Please choose another time.")


class OutsideBookingWindow(BookingError):
    message = _("That time cannot be booked. Please choose one of the times offered.")


class NotBookable(BookingError):
    message = _("That service or practitioner cannot be booked.")


class TooManyBookings(BookingError):
    message = _(
        "You already have the maximum number of upcoming bookings. "
        "Please contact the clinic if you need another time."
    )


class TooLate(BookingError):
    message = _("It is too late to change this booking online. Please call the clinic.")


class NotChangeable(BookingError):
    message = _("This booking can no longer be changed.")


class OutsideRules(BookingError):
    """Staff: the time is outside working hours, in a closure or on a public holiday (`breaks`,
    staff_rules.RuleBreak). Booking anyway needs a reason (recorded on the appointment)."""

    def __init__(self, breaks: list, message=None):
        self.breaks = breaks
        texts = list(dict.fromkeys(b.text for b in breaks))  # one line per reason, in order
        super().__init__(message or " ".join(texts))


class StaffSlotTaken(SlotTaken):
    """Staff: which appointments take the time, and the nearest free times (Slot) of that day."""

    def __init__(self, conflicts: list, nearest: list):
        self.conflicts, self.nearest = conflicts, nearest
        taken = "; ".join(
            f"{a.display_reference} {_clock(a.start)}–{_clock(a.end)} {a.practitioner.name}"
            for a in conflicts
        )
        super().__init__(
            _("The time overlaps another appointment: %(taken)s.") % {"taken": taken}
            if conflicts
            else _("Nobody is free at that time.")
        )


class TooEarly(BookingError):
    message = _("That cannot be marked yet.")
