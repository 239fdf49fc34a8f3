"""Each practitioner's calendar version, for the cached public pages (online/page_cache.py).

A version goes up in the same transaction as every change that can change which times are free
or what the pages show: any saved or deleted appointment (its practitioner's version; a move to
another practitioner also bumps the old one's, bookings/services.py), and any saved or deleted
working hours, closure, service, practitioner, species or price (everyone's). Signals, so that the
services, the admin, the schedule pages, commands and tests all count without remembering to. A
page rendered for version N is therefore never served after N+1 has committed. Bulk writes
(`QuerySet.update`, `bulk_create`: only seed_demo) bump nothing; the cache's one-minute lifetime
bounds those.
"""

from django.db import connection
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from bookings.models import Appointment, Closure, Practitioner, Service, Species, SpeciesPrice, WorkingHours


def bump_calendars(practitioner_ids) -> None:
    """Call inside the transaction that changes these practitioners' free times."""
    Practitioner.objects.filter(pk__in=set(practitioner_ids)).update(
        calendar_version=F("calendar_version") + 1
    )


def _bump_appointments_calendar(instance: Appointment, **_signal) -> None:
    bump_calendars([instance.practitioner_id])


def bump_all_calendars(**_signal) -> None:
    Practitioner.objects.update(calendar_version=F("calendar_version") + 1)


def practice_version() -> str:
    """Changes whenever any practitioner's version does (the start page's key). Plain SQL: the
    ORM's aggregate would cost more to build than the cached page it looks up."""
    table = connection.ops.quote_name(Practitioner._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(calendar_version), MAX(calendar_version) FROM {table}")  # noqa: S608
        return ".".join(str(value or 0) for value in cursor.fetchone())


def service_versions(service_id: int) -> str:
    """The versions of the practitioners of a service (its picker's key), in one plain query.
    Whether they are active or bookable need not be asked: any such change bumps them all."""
    through = Service.practitioners.through._meta.db_table
    table = Practitioner._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, p.calendar_version FROM {quote(through)} s JOIN {quote(table)} p"  # noqa: S608
            " ON p.id = s.practitioner_id WHERE s.service_id = %s ORDER BY p.id",
            [service_id],
        )
        return ",".join(f"{pk}.{version}" for pk, version in cursor.fetchall())


def connect() -> None:
    post_save.connect(_bump_appointments_calendar, sender=Appointment, dispatch_uid="calendar-version")
    post_delete.connect(_bump_appointments_calendar, sender=Appointment, dispatch_uid="calendar-freed")
    for model in (WorkingHours, Closure, Service, Practitioner, Species, SpeciesPrice):
        post_save.connect(bump_all_calendars, sender=model, dispatch_uid=f"calendar-version-{model.__name__}")
        post_delete.connect(bump_all_calendars, sender=model, dispatch_uid=f"calendar-gone-{model.__name__}")
    for through in (Service.practitioners.through, Service.species.through):
        m2m_changed.connect(
            bump_all_calendars, sender=through, dispatch_uid=f"calendar-version-{through.__name__}"
        )
