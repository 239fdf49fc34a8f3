from django import template

from bookings import prices

register = template.Library()


@register.filter
def euros(value):
    """A Decimal in Finnish format whatever the language: "45,00 €"."""
    return prices.format_euros(value)


@register.simple_tag
def service_price(service, species=None):
    """The service's price line for the species (or in general)."""
    return prices.service_price(service, species)


@register.simple_tag
def booked_price(appointment):
    """The price kept on the appointment at booking time."""
    return prices.booked_price(appointment)


@register.simple_tag
def price_of_kind(service, amount):
    """An amount (a species' own price) written with the service's kind: "from 55,00 €"."""
    return prices.price_text(amount, service.price_kind, service.localized_price_basis)
