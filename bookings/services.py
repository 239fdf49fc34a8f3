"""The only code that writes appointments. Views, the admin and commands all call these."""

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bookings.availability import practitioner_slots
from bookings.calendar import bookable_practitioners, load_calendar, local_tz, occupied_span, rules_for
from bookings.calendar_versions import bump_calendars
from bookings.emails import notify_client, queue_booking_messages, queue_staff_notice
from bookings.errors import (  # callers catch these from here too (staff ones: bookings.errors)
    BookingError,
    NotBookable,
    NotChangeable,
    OutsideBookingWindow,
    SlotTaken,
    TooLate,
    TooManyBookings,
)
from bookings.models import (
    ANIMAL_NAME_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    Appointment,
    Practitioner,
    Service,
    Species,
)
from bookings.references import new_reference
from bookings.staff_rules import check_status_time, clean_reason, free_by_staff_rules
from bookings.tokens import hash_token, manage_token
from customers.contact import (
    can_receive_sms,
    has_control_characters,
    normalise_email,
    normalise_name,
    normalise_phone,
)
from customers.models import Customer
from customers.services import find_or_create_customer

logger = logging.getLogger(__name__)

EXCLUSION_CONSTRAINT = "appointment_no_overlap"
# The booking cap counts per animal; over all of a person's animals at most this many times the cap.
ANIMALS_PER_PERSON = 3


def _clean_message(message: str) -> str:
    message = message.strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            _("The message is too long (at most %(max)d characters).") % {"max": MESSAGE_MAX_LENGTH}
        )
    if has_control_characters(message):
        raise ValidationError(_("The message contains characters that are not allowed."))
    return message


def _clean_animal_name(animal_name: str) -> str:
    animal_name = " ".join(animal_name.split())
    if len(animal_name) > ANIMAL_NAME_MAX_LENGTH:
        raise ValidationError(
            _("The animal's name is too long (at most %(max)d characters).") % {"max": ANIMAL_NAME_MAX_LENGTH}
        )
    if has_control_characters(animal_name):
        raise ValidationError(_("The animal's name contains characters that are not allowed."))
    return animal_name


def _check_species(service: Service, species: Species | None) -> None:
    if species is None:
        return
    if not species.is_active or not service.takes(species):
        raise ValidationError(
            _("%(service)s is not offered for this species (%(species)s). Please choose another service.")
            % {"service": service.localized_name, "species": species.localized_name}
        )


def _price_fields(service: Service, species: Species | None, language: str) -> dict:
    """The price as shown at booking time, kept on the appointment (the basis in the client's language)."""
    with translation.override(language):
        basis = service.localized_price_basis
    return {
        "price": service.price_for(species),
        "price_kind": service.price_kind if service.price is not None else "",
        "price_basis": basis if service.price_kind == Service.PriceKind.BASIS else "",
        "practice_fee": settings.PRACTICE_FEE,
    }


def _require_aware(start: datetime) -> None:
    if timezone.is_naive(start):
        raise ValueError("start must be an aware datetime")


def _lock_practitioners(ids: list[int]) -> dict[int, Practitioner]:
    """The practitioners, locked; by pk (the booking's emails name the one it gets)."""
    # Serialises bookings per practitioner on PostgreSQL (on SQLite the IMMEDIATE transaction
    # already holds the database's write lock); pk order so that two bookings never deadlock.
    return {p.pk: p for p in Practitioner.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _free_online(
    service: Service, candidates: list[int], start: datetime, *, now: datetime, exclude=None
) -> list[int]:
    """Which of the candidates can take the service at `start` by the online rules.

    Raises:
        OutsideBookingWindow: nobody could take that time even with an empty calendar.
    """
    day = start.astimezone(local_tz()).date()
    _end, occupied_start, occupied_end = occupied_span(service, start)
    calendar = load_calendar(
        day,
        day,
        practitioner_ids=candidates,
        exclude_appointment=exclude,
        busy_between=(occupied_start, occupied_end),  # one time is asked: only its neighbours matter
    )
    rules = {
        "rules": rules_for(service),
        "first_day": day,
        "last_day": day,
        "now": now,
        "tz": calendar.tz,
        "closed_days": calendar.holidays,
    }

    def offers(schedule) -> bool:
        return any(slot_start == start for slot_start, _ in practitioner_slots(schedule, **rules))

    schedules = calendar.schedules(candidates)
    if not any(offers(replace(schedule, busy=())) for schedule in schedules):
        raise OutsideBookingWindow
    return [schedule.practitioner_id for schedule in schedules if offers(schedule)]


def _check_staff_time(start: datetime, source: str, now: datetime) -> None:
    grace = timedelta(minutes=settings.BOOKING_WALK_IN_GRACE_MINUTES)
    earliest = now - grace if source == Appointment.Source.WALK_IN else now
    if start < earliest:
        raise OutsideBookingWindow(_("That time is in the past."))


def _at_booking_cap(email: str, animal_name: str, now: datetime) -> bool:
    """Whether the person already holds the most upcoming bookings allowed: per animal where the
    animal's name is given (a family with three pets books each), with a ceiling over all animals
    (ANIMALS_PER_PERSON times the cap); without a name, all their bookings count.

    Only bookings whose address its holder confirmed count: bookings someone else made with the
    address (never confirmed) never block its owner. A phone cannot be confirmed, so it does not
    count."""
    limit = settings.BOOKING_MAX_ACTIVE_PER_PERSON
    held = (
        Appointment.objects.active()
        .upcoming(now)
        .filter(customer__email=email, customer__email_confirmed_at__isnull=False)
    )
    if not animal_name:
        return held.count() >= limit
    return (
        held.filter(animal_name__iexact=animal_name).count() >= limit
        or held.count() >= limit * ANIMALS_PER_PERSON
    )


def _save_new(appointment: Appointment) -> None:
    """Insert with a fresh reference (and its manage link), avoiding the rare collision."""
    for _attempt in range(5):
        appointment.reference = new_reference()
        if not Appointment.objects.filter(reference=appointment.reference).exists():
            appointment.manage_token_hash = hash_token(manage_token(appointment.reference))
            appointment.save()
            return
    raise RuntimeError("could not find a free booking reference")


@dataclass(frozen=True)
class Booked:
    """What book_appointment did: made `appointment`, or found it made by this form already."""

    appointment: Appointment
    replayed: bool = False


def _replayed(request_key_hash: str | None) -> Booked | None:
    """The booking already made from this form, if there is one."""
    found = (
        Appointment.objects.filter(request_key_hash=request_key_hash).first() if request_key_hash else None
    )
    return Booked(found, replayed=True) if found is not None else None


def _replayed_or_raise(request_key_hash: str | None, error: type[Exception]) -> Booked:
    """A refused booking that this very form made already (a double click) is that booking."""
    replayed = _replayed(request_key_hash)
    if replayed is None:
        raise error
    return replayed


def _raise_slot_taken_on_overlap(error: IntegrityError) -> None:
    if EXCLUSION_CONSTRAINT in str(error):
        raise SlotTaken from error


def book_appointment(
    *,
    service: Service,
    start: datetime,
    name: str,
    phone: str,
    email: str,
    practitioner: Practitioner | None = None,
    message: str = "",
    species: Species | None = None,
    animal_name: str = "",
    source: str = Appointment.Source.ONLINE,
    language: str = "fi",
    sms_opt_in: bool = False,
    request_key: str | None = None,
    override_reason: str = "",
    notify: bool = True,
    now: datetime | None = None,
) -> Booked:
    """Book `service` at `start` with the given practitioner, or any free one, for an animal of
    `species` (which the service must take) called `animal_name` (optional).

    Online bookings follow every rule of the service (hours, grid, notice, horizon, cap). Staff
    bookings (phone, walk-in) follow the practice's hours, closures and holidays but not the
    online grid or notice; outside them only with `override_reason`, which is recorded. With the
    same `request_key` again (a replayed form) the existing booking is returned as replayed, and
    nothing is written. `notify=False` (a walk-in standing at the desk) sends no confirmation.

    Raises:
        ValidationError: name, phone, email, message, animal's name or reason is not acceptable (or
            texts to a landline), or the service does not take the species.
        NotBookable: the service or practitioner cannot be booked this way (online: no price).
        OutsideBookingWindow: the time is not one the rules allow (online), or in the past.
        OutsideRules: staff chose a time outside the practice's rules without a reason.
        SlotTaken: the time is taken (checked again under lock; on PostgreSQL also a constraint);
            for staff a StaffSlotTaken that names the conflicts and the nearest free times.
        TooManyBookings: the person already holds the maximum of upcoming bookings.
    """
    _require_aware(start)
    now = now or timezone.now()
    if source not in Appointment.Source.values or language not in dict(settings.LANGUAGES):
        raise ValueError("unknown source or language")
    online = source == Appointment.Source.ONLINE
    name, phone, message = normalise_name(name), normalise_phone(phone), _clean_message(message)
    animal_name = _clean_animal_name(animal_name)
    if sms_opt_in and not can_receive_sms(phone):
        raise ValidationError(_("Text messages need a mobile number. This number looks like a landline."))
    # Staff may book a phone or walk-in client who has no email address.
    email = normalise_email(email) if online or email.strip() else ""
    override_reason = clean_reason(override_reason)
    # Online, the client must have seen a price before booking (KKV guidance): no price, no booking.
    if not service.is_active or (online and (not service.bookable_online or service.price is None)):
        raise NotBookable
    _check_species(service, species)
    candidates = list(bookable_practitioners(service, practitioner).values_list("pk", flat=True))
    if not candidates:
        raise NotBookable
    end, occupied_start, occupied_end = occupied_span(service, start)
    request_key_hash = hash_token(request_key) if request_key else None

    try:
        # Two clients racing for one time: the lock (or SQLite's write lock) orders them, the
        # second one sees the first one's appointment and gets SlotTaken.
        with transaction.atomic():
            locked = _lock_practitioners(candidates)
            # A double click's second request waits here for the first, and then finds the time
            # taken by its own booking, or, with another practitioner free, is refused by the
            # unique form key: either way below it gets the first one's booking. So the replay is
            # looked for only when a booking fails, not on every booking (the cap too, in case
            # the address was confirmed meanwhile).
            reason = ""
            if online:
                free = _free_online(service, candidates, start, now=now)
            else:
                _check_staff_time(start, source, now)
                free, reason = free_by_staff_rules(
                    service,
                    candidates,
                    start,
                    chosen=practitioner is not None,
                    override_reason=override_reason,
                    now=now,
                )
            if not free:
                return _replayed_or_raise(request_key_hash, SlotTaken)
            if online and _at_booking_cap(email, animal_name, now):
                return _replayed_or_raise(request_key_hash, TooManyBookings)
            appointment = Appointment(
                service=service,
                practitioner=locked[free[0]],
                # Online, every booking gets its own record: typing someone's details must not
                # reach their data. Staff identify the person and reuse their record.
                customer=Customer.objects.create(name=name, phone=phone, email=email)
                if online
                else find_or_create_customer(name=name, phone=phone, email=email),
                start=start,
                end=end,
                occupied_start=occupied_start,
                occupied_end=occupied_end,
                source=source,
                practitioner_chosen=practitioner is not None,
                message=message,
                species=species,
                animal_name=animal_name,
                **_price_fields(service, species, language),
                language=language,
                sms_opt_in=sms_opt_in,
                request_key_hash=request_key_hash,
                override_reason=reason,
            )
            _save_new(appointment)
            if notify:
                queue_booking_messages(appointment, "booking_confirmed", now=now)
    except IntegrityError as error:
        _raise_slot_taken_on_overlap(error)
        replayed = _replayed(request_key_hash) if "request_key_hash" in str(error) else None
        if replayed is not None:
            return replayed
        raise
    logger.info("appointment booked ref=%s source=%s", appointment.reference, source)
    return Booked(appointment)


def _check_client_may_change(appointment: Appointment, now: datetime) -> None:
    if appointment.status != Appointment.Status.CONFIRMED:
        raise NotChangeable
    if now >= appointment.change_deadline:
        raise TooLate


def client_may_change(appointment: Appointment, now: datetime) -> bool:
    """Whether the client can still cancel or move online (confirmed, before the cut-off)."""
    try:
        _check_client_may_change(appointment, now)
    except BookingError:
        return False
    return True


def move_appointment(
    *,
    appointment: Appointment,
    start: datetime,
    practitioner: Practitioner | None = None,
    by_client: bool,
    override_reason: str = "",
    notify: bool = True,
    sms: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move a confirmed appointment to `start` (same service), keeping its reference and link.

    A client moves by the online rules and only until the service's cut-off, to exactly the
    practitioner the confirm step named: the one booked unless given; another one only when the
    booking was made with "any practitioner". Staff move by the practice's rules (outside them with
    a reason) to a time not in the past, and to another practitioner ("any" keeps the current one
    when that one is free). The client is told unless `notify=False` (by text message too when they
    asked for them, or staff chose `sms`).

    Raises:
        ValidationError: the reason is not acceptable.
        NotChangeable: the appointment is not confirmed any more.
        TooLate: a client is past the cut-off.
        NotBookable: a client asked for another practitioner than the one they chose.
        OutsideBookingWindow, OutsideRules, SlotTaken, NotBookable: as for booking.
    """
    _require_aware(start)
    now = now or timezone.now()
    service = appointment.service
    if by_client and practitioner is None:
        practitioner = appointment.practitioner
    candidates = list(bookable_practitioners(service, practitioner).values_list("pk", flat=True))
    if practitioner is None:
        candidates.sort(key=lambda pid: pid != appointment.practitioner_id)
    if not candidates:
        raise NotBookable
    override_reason = clean_reason(override_reason)
    end, occupied_start, occupied_end = occupied_span(service, start)
    try:
        # Two moves (or a move and a booking) racing for one time: as in book_appointment.
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("service")
                .get(pk=appointment.pk)
            )
            if by_client:
                _check_client_may_change(appointment, now)
                if appointment.practitioner_chosen and practitioner.pk != appointment.practitioner_id:
                    raise NotBookable
            elif appointment.status != Appointment.Status.CONFIRMED:
                raise NotChangeable
            _lock_practitioners(sorted({*candidates, appointment.practitioner_id}))
            if by_client:
                free = _free_online(service, candidates, start, now=now, exclude=appointment)
            else:
                _check_staff_time(start, appointment.source, now)
                free, appointment.override_reason = free_by_staff_rules(
                    service,
                    candidates,
                    start,
                    chosen=practitioner is not None,
                    override_reason=override_reason,
                    now=now,
                    exclude=appointment,
                )
            if not free:
                raise SlotTaken
            if free[0] != appointment.practitioner_id:
                bump_calendars([appointment.practitioner_id])  # the new one's: saving bumps it
            appointment.practitioner_id = free[0]
            appointment.start, appointment.end = start, end
            appointment.occupied_start, appointment.occupied_end = occupied_start, occupied_end
            appointment.sequence += 1
            appointment.save()
            if by_client:
                queue_booking_messages(appointment, "booking_moved", now=now)
            elif notify:
                notify_client(appointment, "booking_moved", sms=sms, now=now)
    except IntegrityError as error:
        _raise_slot_taken_on_overlap(error)
        raise
    logger.info("appointment moved ref=%s by_client=%s", appointment.reference, by_client)
    return appointment


def cancel_appointment(
    *,
    appointment: Appointment,
    by_client: bool,
    reason: str = "",
    notify: bool = True,
    sms: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Cancel (a status change, never a delete); the time becomes free at once.

    Staff may give a reason (kept on the appointment), choose not to tell the client, or tell them
    by text message too (`sms`).
    Cancelling an already cancelled appointment changes nothing.

    Raises:
        ValidationError: the reason is not acceptable.
        TooLate: a client is past the service's cut-off.
        NotChangeable: the visit already happened (arrived, completed, no-show).
    """
    now = now or timezone.now()
    reason = clean_reason(reason)
    # A cancel racing a move or a status change of the same appointment: the row lock orders them.
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("service")
            .get(pk=appointment.pk)
        )
        if appointment.status == Appointment.Status.CANCELLED:
            return appointment
        if by_client:
            _check_client_may_change(appointment, now)
        elif appointment.status != Appointment.Status.CONFIRMED:
            raise NotChangeable
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.sequence += 1
        appointment.cancelled_by = (
            Appointment.CancelledBy.CLIENT if by_client else Appointment.CancelledBy.CLINIC
        )
        appointment.cancel_reason = reason
        appointment.save()
        if by_client:
            queue_booking_messages(appointment, "booking_cancelled", now=now)
        elif notify:
            notify_client(appointment, "booking_cancelled", sms=sms, now=now)
        if by_client and appointment.start - now <= timedelta(hours=24):
            queue_staff_notice(appointment, "reception_cancellation")
    logger.info("appointment cancelled ref=%s by_client=%s", appointment.reference, by_client)
    return appointment


def set_appointment_status(
    *, appointment: Appointment, status: str, now: datetime | None = None
) -> Appointment:
    """Staff record what happened: arrived (from a little before the start), completed or no-show
    (from the start), or back to confirmed.

    Raises:
        NotChangeable: the appointment is cancelled, or the status is not one staff set.
        TooEarly: the visit has not begun yet.
    """
    now = now or timezone.now()
    allowed = {
        Appointment.Status.CONFIRMED,
        Appointment.Status.ARRIVED,
        Appointment.Status.COMPLETED,
        Appointment.Status.NO_SHOW,
    }
    if status not in allowed:
        raise NotChangeable
    # A status change racing a cancel of the same appointment: the row lock orders them.
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status == Appointment.Status.CANCELLED:
            raise NotChangeable
        check_status_time(appointment, status, now)
        appointment.status = status
        appointment.save()
    return appointment


def set_sms_opt_in(*, appointment: Appointment, wanted: bool) -> Appointment:
    """The client switches text messages about this booking on or off.

    Raises:
        ValidationError: text messages were asked for a number that cannot receive them.
    """
    if wanted and not (appointment.customer and can_receive_sms(appointment.customer.phone)):
        raise ValidationError(_("Text messages need a mobile number. This number looks like a landline."))
    appointment.sms_opt_in = wanted
    appointment.save(update_fields=["sms_opt_in", "updated_at"])
    return appointment


def anonymise_appointments(*, customer_ids: list[int], now: datetime | None = None) -> dict[str, int]:
    """Detach the appointments of customers being erased: they stay as anonymous statistics.

    Upcoming confirmed ones are cancelled first; reception is told (without the client's data)
    of those within 24 hours or past the online change deadline, as the erase page says. Every
    one loses its customer, the client's message and its links. Called inside the erasure's
    transaction, which holds the customers' rows.
    """
    now = now or timezone.now()
    cancelled = 0
    appointments = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service")
        .filter(customer_id__in=customer_ids)
        .order_by("pk")
    )
    for appointment in appointments:
        if appointment.status == Appointment.Status.CONFIRMED and appointment.start > now:
            appointment.status, appointment.cancelled_at = Appointment.Status.CANCELLED, now
            appointment.sequence += 1
            appointment.cancelled_by = Appointment.CancelledBy.ERASURE
            if appointment.start - now <= timedelta(hours=24) or now >= appointment.change_deadline:
                queue_staff_notice(appointment, "reception_cancellation")
            cancelled += 1
        appointment.customer = None
        appointment.message = appointment.animal_name = ""
        appointment.cancel_reason = appointment.override_reason = ""  # staff's words may name them
        appointment.manage_token_hash = None
        appointment.request_key_hash = None
        appointment.save()
    return {"appointments": len(appointments), "appointments_cancelled": cancelled}
