from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bookings.references import format_reference

MESSAGE_MAX_LENGTH = 500
ANIMAL_NAME_MAX_LENGTH = 60
# A visit price above this is a typing error (an extra zero), not a price: the admin refuses it.
PRICE_MAX = Decimal("5000.00")
REASON_MAX_LENGTH = 200
# The longest a visit can hold a practitioner: 480 minutes and two buffers of 120 (validators below).
MAX_OCCUPIED = timedelta(minutes=480 + 2 * 120)


class Practitioner(models.Model):
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title (Finnish)"), max_length=100, blank=True)
    title_sv = models.CharField(_("title (Swedish)"), max_length=100, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Bumped with every change of this calendar's free times (bookings/calendar_versions.py):
    # the public pages are cached per version.
    calendar_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ["order", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def localized_title(self) -> str:
        return _localized(self, "title")


def _localized(obj, field: str) -> str:
    """The field in the active language (`field_sv`, `field_en`), Finnish when that one is empty."""
    language = (get_language() or "fi")[:2]
    if language in {"sv", "en"}:
        return getattr(obj, f"{field}_{language}") or getattr(obj, field)
    return getattr(obj, field)


class Species(models.Model):
    """An animal species the practice treats (kept in the admin; seeded by a migration)."""

    name = models.CharField(_("name (Finnish)"), max_length=60)
    name_sv = models.CharField(_("name (Swedish)"), max_length=60, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("species")
        verbose_name_plural = _("species")
        ordering = ["order", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def localized_name(self) -> str:
        return _localized(self, "name")


def price_validators() -> list:
    """A price in euros: not negative, not absurd (whole cents: the field's own decimal places)."""
    return [
        MinValueValidator(Decimal("0"), message=_("A price cannot be negative.")),
        MaxValueValidator(
            PRICE_MAX, message=_("That price is more than %(limit_value)s euros: check for a typing error.")
        ),
    ]


class ServiceQuerySet(models.QuerySet):
    def bookable_online(self):
        """What clients may book: active, open to online booking and with a price to show."""
        return self.filter(is_active=True, bookable_online=True, price__isnull=False)

    def for_species(self, species):
        """Services for the species: those naming it and those naming none (all species)."""
        through = Service.species.through.objects
        return self.filter(
            Q(pk__in=through.filter(species=species).values("service_id"))
            | ~Q(pk__in=through.values("service_id"))
        )


class Service(models.Model):
    class PriceKind(models.TextChoices):
        FIXED = "fixed", _("fixed price")
        FROM = "from", _("starting price (“from”)")
        BASIS = "basis", _("price with its basis (e.g. per started 15 minutes)")

    name = models.CharField(_("name (Finnish)"), max_length=100)
    name_sv = models.CharField(_("name (Swedish)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.CharField(_("description (Finnish)"), max_length=300, blank=True)
    description_sv = models.CharField(_("description (Swedish)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    duration = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_before = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0, validators=[MaxValueValidator(120)]
    )
    buffer_after = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"), default=0, validators=[MaxValueValidator(120)]
    )
    slot_step = models.PositiveSmallIntegerField(
        _("slot step (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Times offered start at the opening time and then every this many minutes."),
    )
    min_notice = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=120, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("bookable days ahead"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    cancel_cutoff = models.PositiveSmallIntegerField(
        _("cancellation cut-off (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text=_("Clients can cancel or move online until this many hours before the start."),
    )
    bookable_online = models.BooleanField(_("bookable online"), default=True)
    sms_hide_name = models.BooleanField(
        _("don't name in text messages"),
        default=False,
        help_text=_(
            "Text messages about this service say only “a visit”: for services that reveal health details."
        ),
    )
    practitioners = models.ManyToManyField(
        Practitioner, verbose_name=_("practitioners"), related_name="services", blank=True
    )
    species = models.ManyToManyField(
        Species,
        verbose_name=_("species"),
        related_name="services",
        blank=True,
        help_text=_(
            "Which animals this service is for. If no species is ticked, the service is for every species."
        ),
    )
    price = models.DecimalField(
        _("price (euros, VAT included)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=price_validators(),
        help_text=_("Required for online booking: clients must see the price before they book."),
    )
    price_kind = models.CharField(
        _("kind of price"), max_length=10, choices=PriceKind.choices, default=PriceKind.FIXED
    )
    price_basis = models.CharField(
        _("basis of the price (Finnish)"),
        max_length=100,
        blank=True,
        help_text=_("Shown after the price, e.g. “per alkava 15 min”. Needed for the kind “with its basis”."),
    )
    price_basis_sv = models.CharField(_("basis of the price (Swedish)"), max_length=100, blank=True)
    price_basis_en = models.CharField(_("basis of the price (English)"), max_length=100, blank=True)
    preparation = models.TextField(
        _("how to prepare (Finnish)"),
        max_length=1000,
        blank=True,
        help_text=_(
            "What to bring or how to prepare: shown before booking, on the confirmation and in the email."
        ),
    )
    preparation_sv = models.TextField(_("how to prepare (Swedish)"), max_length=1000, blank=True)
    preparation_en = models.TextField(_("how to prepare (English)"), max_length=1000, blank=True)
    urgent = models.BooleanField(
        _("urgent visit"),
        default=False,
        help_text=_("Shows the emergency notice: acute emergencies should call, not book."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["order", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gte=5) & Q(slot_step__gte=5), name="service_positive_times"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def localized_name(self) -> str:
        return _localized(self, "name")

    @property
    def localized_description(self) -> str:
        return _localized(self, "description")

    @property
    def localized_price_basis(self) -> str:
        return _localized(self, "price_basis")

    @property
    def localized_preparation(self) -> str:
        return _localized(self, "preparation")

    def clean(self):
        if self.bookable_online and self.price is None:
            raise ValidationError(
                {
                    "price": _(
                        "A service booked online needs a price: clients must see it before they book "
                        "(Consumer Ombudsman's guidance). Enter a price, or untick “bookable online”."
                    )
                }
            )
        if self.price_kind == self.PriceKind.BASIS and not self.price_basis.strip():
            raise ValidationError(
                {"price_basis": _("Write the basis of the price, e.g. “per alkava 15 min”.")}
            )

    def takes(self, species) -> bool:
        """Whether the service is for this species (a service naming no species takes every one)."""
        named = {s.pk for s in self.species.all()}
        return not named or species.pk in named

    def price_for(self, species=None) -> Decimal | None:
        """The price for the species: its own price where one is set, else the service's price."""
        if species is not None:
            for row in self.species_prices.all():
                if row.species_id == species.pk:
                    return row.price
        return self.price

    def change_deadline(self, start: datetime) -> datetime:
        """Until when a client may move or cancel a visit starting at `start` online."""
        return start - timedelta(hours=self.cancel_cutoff)


class SpeciesPrice(models.Model):
    """A service's price for one species, where it differs from the service's own price."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="species_prices"
    )
    species = models.ForeignKey(Species, verbose_name=_("species"), on_delete=models.PROTECT)
    price = models.DecimalField(
        _("price (euros, VAT included)"), max_digits=7, decimal_places=2, validators=price_validators()
    )

    class Meta:
        verbose_name = _("price for a species")
        verbose_name_plural = _("prices for a species")
        ordering = ["species__order", "species__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "species"], name="one_price_per_species"),
            models.CheckConstraint(condition=Q(price__gte=0), name="species_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.service} – {self.species}"


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    practitioner = models.ForeignKey(
        Practitioner,
        verbose_name=_("practitioner"),
        on_delete=models.CASCADE,
        related_name="working_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    # Hours change from a date on, so that past weeks keep the hours they had (reports, history).
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("The first day these hours apply. Empty: always.")
    )
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("The last day these hours apply. Empty: no end.")
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["practitioner", "weekday", "start", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="hours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_valid_weekday"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="hours_valid_until_after_from",
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError(_("The end must be after the start."))
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The last day cannot be before the first day.")})

    def applies_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class Closure(models.Model):
    """A time nobody (or one practitioner) takes bookings: holidays, training, absences."""

    practitioner = models.ForeignKey(
        Practitioner,
        verbose_name=_("practitioner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text=_("Leave empty to close the whole practice."),
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason (internal)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="closure_end_after_start"),
        ]

    def __str__(self):
        who = self.practitioner or _("whole practice")
        return f"{who}: {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError(_("The end must be after the start."))


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        """Appointments that hold their time: everything but cancelled ones."""
        return self.exclude(status=Appointment.Status.CANCELLED)

    def confirmed(self):
        return self.filter(status=Appointment.Status.CONFIRMED)

    def upcoming(self, now=None):
        return self.filter(start__gte=now or timezone.now())

    def overlapping(self, start, end):
        """Appointments whose occupied time (buffers included) meets [start, end).

        The lower bound on occupied_start lets the (practitioner, occupied_start) index read
        only the window instead of a practitioner's whole history: nothing occupies longer than
        MAX_OCCUPIED, so nothing starting earlier can reach into the window.
        """
        return self.filter(
            occupied_start__lt=end, occupied_start__gt=start - MAX_OCCUPIED, occupied_end__gt=start
        )


class Appointment(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        ARRIVED = "arrived", _("arrived")
        COMPLETED = "completed", _("completed")
        NO_SHOW = "no_show", _("no-show")
        CANCELLED = "cancelled", _("cancelled")

    class Source(models.TextChoices):
        ONLINE = "online", _("online")
        PHONE = "phone", _("phone")
        WALK_IN = "walk_in", _("walk-in")

    class CancelledBy(models.TextChoices):
        CLIENT = "client", _("the client")
        CLINIC = "clinic", _("the clinic")
        ERASURE = "erasure", _("erasure of the client's data")

    reference = models.CharField(_("booking reference"), max_length=6, unique=True)
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT)
    practitioner = models.ForeignKey(
        Practitioner,
        verbose_name=_("practitioner"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        help_text=_("Empty once the person's data has been erased."),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The time the practitioner is taken, buffers included: what may never overlap.
    occupied_start = models.DateTimeField(_("occupied from"))
    occupied_end = models.DateTimeField(_("occupied until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ONLINE)
    # False when booked with "any practitioner": a client's move may then go to another one,
    # named on the confirm step. A chosen practitioner stays with the booking.
    practitioner_chosen = models.BooleanField(_("practitioner chosen at booking"), default=True)
    message = models.TextField(_("message from the client"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    species = models.ForeignKey(
        Species,
        verbose_name=_("species"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    # The owner's words about their animal: personal data of the booking (privacy/registry.py).
    animal_name = models.CharField(_("animal's name"), max_length=ANIMAL_NAME_MAX_LENGTH, blank=True)
    # The price as the client saw it when booking: a later change of prices never changes it.
    price = models.DecimalField(
        _("price at booking (euros)"), max_digits=7, decimal_places=2, null=True, blank=True, editable=False
    )
    price_kind = models.CharField(
        _("kind of price"), max_length=10, choices=Service.PriceKind.choices, blank=True, editable=False
    )
    price_basis = models.CharField(_("basis of the price"), max_length=100, blank=True, editable=False)
    practice_fee = models.DecimalField(
        _("practice fee at booking (euros)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="fi")
    sms_opt_in = models.BooleanField(
        _("text messages"), default=False, help_text=_("The client asked for them.")
    )
    manage_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # SHA-256 of the booking form's one-time key: a replayed form finds its booking instead of making two.
    request_key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("booked at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The calendar file's SEQUENCE (RFC 5545): 0 when booked, one more at every move and cancel.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    # Who cancelled: reports count erasure-driven cancellations apart from real ones.
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=10, choices=CancelledBy.choices, blank=True, editable=False
    )
    # Staff's own words, which could name the client after all: personal data (privacy/registry.py).
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=REASON_MAX_LENGTH, blank=True)
    override_reason = models.CharField(
        _("booked outside the rules because"), max_length=REASON_MAX_LENGTH, blank=True
    )
    # The start time the reminder was sent for: a moved appointment gets one for its new time.
    reminded_for = models.DateTimeField(_("reminder sent for"), null=True, blank=True, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start", "pk"]
        permissions = [
            ("reschedule_appointment", _("Can move and cancel appointments")),
            ("view_calendar", _("Can view the staff calendar")),
            ("view_reports", _("Can view reports")),
        ]
        indexes = [
            models.Index(fields=["practitioner", "occupied_start"], name="appt_practitioner_time"),
            models.Index(fields=["start"], name="appt_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appt_end_after_start"),
            models.CheckConstraint(
                condition=Q(occupied_start__lte=models.F("start")) & Q(occupied_end__gte=models.F("end")),
                name="appt_occupied_covers_visit",
            ),
        ]

    def __str__(self):
        # Copied into the admin's history and the audit log: never the person's data.
        return _("Appointment %(reference)s") % {"reference": self.display_reference}

    @property
    def display_reference(self) -> str:
        return format_reference(self.reference)

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def change_deadline(self) -> datetime:
        """Until when the client may move or cancel online."""
        return self.service.change_deadline(self.start)
