"""Prices as clients read them: Finnish number format in every language ("1 245,50 €"), with
their kind ("from 45,00 €", "15,00 € per started 15 min"), and the practice fee shown apart."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from bookings.models import Appointment, Service

NBSP = "\u00a0"


def format_euros(value: Decimal | None) -> str:
    """45 → "45,00 €", 1245.5 → "1 245,50 €" (no-break spaces), None → ""."""
    if value is None:
        return ""
    grouped = f"{Decimal(value):,.2f}"  # "1,245.50"
    return grouped.replace(",", NBSP).replace(".", ",") + f"{NBSP}€"


def price_text(price: Decimal | None, kind: str, basis: str = "") -> str:
    """The price with its kind, in the active language; "" when there is no price."""
    if price is None:
        return ""
    amount = format_euros(price)
    if kind == Service.PriceKind.FROM:
        return _("from %(price)s") % {"price": amount}
    if kind == Service.PriceKind.BASIS and basis:
        return f"{amount} {basis}"
    return amount


def practice_fee() -> Decimal | None:
    """The practice-wide fee per visit (settings), or None when the practice charges none."""
    return settings.PRACTICE_FEE


@dataclass(frozen=True)
class PriceLine:
    text: str
    fee: str  # "" without a practice fee


def service_price(service: Service, species=None) -> PriceLine:
    """What a service costs for the species (or in general), as shown before booking."""
    return PriceLine(
        price_text(service.price_for(species), service.price_kind, service.localized_price_basis),
        format_euros(practice_fee()),
    )


def booked_price(appointment: Appointment) -> PriceLine:
    """What the booking's confirmation said: the price kept on the appointment, never today's."""
    return PriceLine(
        price_text(appointment.price, appointment.price_kind, appointment.price_basis),
        format_euros(appointment.practice_fee),
    )
