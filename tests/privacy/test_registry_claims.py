"""Every text field (and every link to a customer) of every model is either claimed by a location of
privacy/registry.py, which exports and erases it, or declared in NOT_PERSONAL with a reason: a new
field that could hold a client's data cannot slip past export and erasure."""

from django.apps import apps
from django.db import models

from customers.models import Customer
from privacy.registry import NOT_PERSONAL, claimed_fields

TEXT = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField)


def fields_that_could_hold_personal_data():
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            links_a_customer = isinstance(field, models.ForeignKey) and field.related_model is Customer
            if isinstance(field, TEXT) or links_a_customer:
                yield model._meta.label, field.name


def test_every_field_is_claimed_by_the_registry_or_declared_not_personal():
    claimed = claimed_fields()
    unaccounted = []
    for label, name in fields_that_could_hold_personal_data():
        declared = NOT_PERSONAL.get(label, (set(), ""))[0]
        if name in claimed.get(label, set()) or declared == "*" or name in declared:
            continue
        unaccounted.append(f"{label}.{name}")
    assert not unaccounted, (
        f"claim these in privacy/registry.py or declare them in NOT_PERSONAL: {unaccounted}"
    )


def test_staff_reasons_on_an_appointment_are_the_clients_data():
    """Decided: a cancel or override reason is staff's free text that could name the client."""
    assert {"cancel_reason", "override_reason"} <= claimed_fields()["bookings.Appointment"]
