"""The registry of personal-data locations covers every model field that could hold a person's data."""

from django.apps import apps
from django.db import models

from customers.models import Customer
from privacy.registry import NOT_PERSONAL, REGISTRY, claimed_fields


def _could_hold_personal_data(field) -> bool:
    if field.is_relation:
        return field.related_model is Customer
    return isinstance(
        field, models.CharField | models.TextField | models.JSONField | models.GenericIPAddressField
    )


def _fields_that_could_hold_personal_data() -> dict[str, set[str]]:
    return {
        model._meta.label: names
        for model in apps.get_models()
        if (names := {f.name for f in model._meta.concrete_fields if _could_hold_personal_data(f)})
    }


def test_every_text_email_phone_field_and_link_to_a_customer_is_in_the_registry_or_declared():
    claimed = claimed_fields()
    undeclared = {}
    for label, names in _fields_that_could_hold_personal_data().items():
        declared, _reason = NOT_PERSONAL.get(label, (set(), ""))
        if declared == "*":
            continue
        missing = names - claimed.get(label, set()) - declared
        if missing:
            undeclared[label] = sorted(missing)
    assert not undeclared, (
        "Fields that may hold personal data are neither erased by a location in privacy/registry.py "
        f"nor declared in NOT_PERSONAL: {undeclared}"
    )


def test_the_registry_names_only_fields_that_exist():
    existing = {m._meta.label: {f.name for f in m._meta.concrete_fields} for m in apps.get_models()}
    for label, names in claimed_fields().items():
        assert names <= existing[label], (label, names - existing[label])
    for label, (names, reason) in NOT_PERSONAL.items():
        assert label in existing and reason, label
        assert names == "*" or names <= existing[label], (label, names - existing[label])
        assert names == "*" or not names & claimed_fields().get(label, set()), (
            f"{label} both claimed and declared"
        )


def test_each_location_has_a_key_a_title_and_an_explanation():
    keys = [location.key for location in REGISTRY]
    assert len(keys) == len(set(keys))
    assert all(location.title and location.explanation for location in REGISTRY)
