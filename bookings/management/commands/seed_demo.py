"""A believable practice for demos and benchmarks: practitioners, services, hours, closures,
optionally many appointments, and (in demo mode only) one staff user per role."""

import random
import secrets
import time as clock
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bookings.calendar import closed_days, local_tz
from bookings.models import Appointment, Closure, Practitioner, Service, Species, SpeciesPrice, WorkingHours
from bookings.references import ALPHABET, LENGTH
from customers.models import Customer
from inuvet import roles

SERVICES = [
    # name fi, sv, en, description fi, sv, en, duration, buffer after, step
    (
        "Terveystarkastus",
        "Hälsokontroll",
        "Health check",
        "Perusteellinen terveystarkastus ja neuvonta.",
        "Grundlig hälsokontroll och rådgivning.",
        "A thorough health check and advice.",
        30,
        0,
        15,
    ),
    (
        "Rokotus",
        "Vaccination",
        "Vaccination",
        "Rokotus ja lyhyt yleistarkastus.",
        "Vaccination och en kort allmän kontroll.",
        "Vaccination and a short general check.",
        15,
        0,
        15,
    ),
    (
        "Hammashoito",
        "Tandvård",
        "Dental care",
        "Hampaiden tarkastus ja puhdistus.",
        "Kontroll och rengöring av tänderna.",
        "Dental check and cleaning.",
        60,
        15,
        30,
    ),
    (
        "Sairauskäynti",
        "Sjukbesök",
        "Sick visit",
        "Kun lemmikki on sairas tai loukkaantunut.",
        "När ditt husdjur är sjukt eller skadat.",
        "When your pet is ill or injured.",
        30,
        0,
        15,
    ),
    (
        "Kynsienleikkaus",
        "Klotrimning",
        "Nail trim",
        "Kynsien leikkaus.",
        "Klippning av klorna.",
        "Trimming the nails.",
        15,
        0,
        15,
    ),
]
# Per service: price (euros, VAT incl.), its kind and basis (fi, sv, en), the species it is for
# (Finnish names; empty: all), prices per species, preparation (fi, sv, en), urgent.
PRICING = {
    "Terveystarkastus": ("59.00", "fixed", ("", "", ""), [], {"kissa": "55.00"}),
    "Rokotus": ("45.00", "fixed", ("", "", ""), ["koira", "kissa", "kani"], {"kani": "39.00"}),
    "Hammashoito": ("180.00", "from", ("", "", ""), ["koira", "kissa"], {}),
    "Sairauskäynti": (
        "25.00",
        "basis",
        ("per alkava 15 min", "per påbörjad 15 min", "per started 15 min"),
        [],
        {},
    ),
    "Kynsienleikkaus": ("25.00", "fixed", ("", "", ""), ["koira", "kissa", "kani", "jyrsijä", "lintu"], {}),
}
PREPARATION = {
    "Terveystarkastus": (
        "Tuo mukaan rokotustodistus tai passi ja lista lääkkeistä.",
        "Ta med vaccinationsintyget eller passet och en lista över mediciner.",
        "Bring the vaccination certificate or passport and a list of medicines.",
    ),
    "Hammashoito": (
        "Ei ruokaa 12 tuntiin ennen käyntiä; vettä saa juoda.",
        "Ingen mat 12 timmar före besöket; vatten går bra.",
        "No food for 12 hours before the visit; water is fine.",
    ),
    "Rokotus": (
        "Tuo rokotustodistus tai lemmikkipassi.",
        "Ta med vaccinationsintyget eller djurpasset.",
        "Bring the vaccination certificate or pet passport.",
    ),
}
ANIMAL_NAMES = ["Musti", "Mirri", "Rekku", "Nala", "Luna", "Onni", "Pörri", "Viiru", "Hertta", "Nuppu", ""]

VET = ("eläinlääkäri", "veterinär", "veterinarian")
NURSE = ("eläinhoitaja", "djurskötare", "veterinary nurse")
PRACTITIONERS = [
    ("Aino Virtanen", VET, [0, 1, 2, 3, 4]),
    ("Mikko Korhonen", VET, [0, 1, 2, 3, 4]),
    ("Laura Nieminen", NURSE, [0, 1, 2, 3, 4]),
]
NURSE_SERVICES = {"Rokotus", "Kynsienleikkaus"}
DAY_HOURS = [(time(8, 0), time(11, 30)), (time(12, 0), time(16, 0))]
FIRST_NAMES = [
    "Aino",
    "Eino",
    "Helmi",
    "Juhani",
    "Kaisa",
    "Lauri",
    "Maija",
    "Niko",
    "Oona",
    "Pekka",
    "Riikka",
    "Sami",
    "Tiina",
    "Ville",
    "Anna",
    "Elias",
    "Emilia",
    "Leo",
    "Sofia",
    "Onni",
    "Aada",
    "Väinö",
    "Linnea",
    "Eetu",
    "Ella",
    "Oskari",
    "Iida",
    "Matias",
]
LAST_NAMES = [
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
]
STAFF_USERS = [
    ("reception", roles.RECEPTION),
    ("practitioner", roles.PRACTITIONER),
    ("dpo", roles.DATA_PROTECTION_OFFICER),
    ("admin", roles.ADMINISTRATOR),
]


class Command(BaseCommand):
    help = "Load a believable demo practice (idempotent); --appointments N adds N appointments."

    def add_arguments(self, parser):
        parser.add_argument("--appointments", type=int, default=0, metavar="N")
        parser.add_argument("--password", help="password of the demo staff users (else random)")
        parser.add_argument("--seed", type=int, default=None, help="random seed, for repeatable data")

    def handle(self, *args, appointments, password, seed, **options):
        if appointments < 0 or appointments > 2_000_000:
            raise CommandError("--appointments must be between 0 and 2000000")
        rng = random.Random(seed)
        with transaction.atomic():
            created = self.create_practice()
        self.stdout.write("Practice: " + ("created" if created else "already there, kept"))
        if appointments:
            started = clock.monotonic()
            count = self.create_appointments(appointments, rng)
            self.stdout.write(f"Appointments: {count} added in {clock.monotonic() - started:.1f} s")
        if settings.DEMO_MODE:
            self.create_staff_users(password)
        else:
            self.stdout.write("Staff users: skipped (only in demo mode, DJANGO_DEMO=on)")

    def create_practice(self) -> bool:
        if Service.objects.exists():
            return False
        practitioners = []
        for order, (name, (title, title_sv, title_en), weekdays) in enumerate(PRACTITIONERS):
            practitioner = Practitioner.objects.create(
                name=name, title=title, title_sv=title_sv, title_en=title_en, order=order
            )
            practitioners.append(practitioner)
            WorkingHours.objects.bulk_create(
                WorkingHours(practitioner=practitioner, weekday=day, start=start, end=end)
                for day in weekdays
                for start, end in DAY_HOURS
            )
        for order, row in enumerate(SERVICES):
            name, name_sv, name_en, desc, desc_sv, desc_en, duration, after, step = row
            service = Service.objects.create(
                name=name,
                name_sv=name_sv,
                name_en=name_en,
                description=desc,
                description_sv=desc_sv,
                description_en=desc_en,
                duration=duration,
                buffer_after=after,
                slot_step=step,
                order=order,
                **self.pricing(name),
            )
            self.species_and_prices(service, name)
            vets = [p for p in practitioners if p.title == VET[0]]
            service.practitioners.set(practitioners if name in NURSE_SERVICES else vets)
        tz = local_tz()
        today = timezone.localdate()
        training = today + timedelta(days=(4 - today.weekday()) % 7 + 21)  # a Friday, in 3+ weeks
        Closure.objects.create(
            start=datetime.combine(training, time(12, 0), tzinfo=tz),
            end=datetime.combine(training, time(16, 0), tzinfo=tz),
            reason="Henkilökunnan koulutus",
        )
        holiday = today + timedelta(days=(0 - today.weekday()) % 7 + 35)  # a Monday, in 5+ weeks
        Closure.objects.create(
            practitioner=practitioners[1],
            start=datetime.combine(holiday, time(0), tzinfo=tz),
            end=datetime.combine(holiday + timedelta(days=5), time(0), tzinfo=tz),
            reason="Loma",
        )
        return True

    @staticmethod
    def pricing(name: str) -> dict:
        price, kind, basis, _species, _prices = PRICING[name]
        preparation = PREPARATION.get(name, ("", "", ""))
        return {
            "price": price,
            "price_kind": kind,
            "price_basis": basis[0],
            "price_basis_sv": basis[1],
            "price_basis_en": basis[2],
            "preparation": preparation[0],
            "preparation_sv": preparation[1],
            "preparation_en": preparation[2],
            "urgent": name == "Sairauskäynti",
        }

    @staticmethod
    def species_and_prices(service: Service, name: str) -> None:
        _price, _kind, _basis, species, prices = PRICING[name]
        by_name = {s.name: s for s in Species.objects.all()}
        service.species.set([by_name[n] for n in species if n in by_name])
        SpeciesPrice.objects.bulk_create(
            SpeciesPrice(service=service, species=by_name[n], price=p)
            for n, p in prices.items()
            if n in by_name
        )

    def create_appointments(self, count: int, rng: random.Random) -> int:
        """`count` random appointments that never overlap, bulk-inserted.

        They fill the practitioners' hours over ±6 months, the coming months first; when more
        are asked for than fit, the history reaches further back, as years of records would.
        """
        tz = local_tz()
        now = timezone.now()
        today = timezone.localdate()
        services = list(Service.objects.prefetch_related("practitioners", "species", "species_prices"))
        practitioners = list(Practitioner.objects.prefetch_related("working_hours"))
        customers = self.create_customers(max(50, count // 4), rng)
        references = set(Appointment.objects.values_list("reference", flat=True))
        taken = _by_practitioner_and_day(
            Appointment.objects.active().values_list("practitioner_id", "occupied_start", "occupied_end")
        )
        offered = {p.pk: [s for s in services if p in s.practitioners.all()] for p in practitioners}

        weekly_minutes = sum(
            (datetime.combine(today, h.end) - datetime.combine(today, h.start)).total_seconds() / 60
            for p in practitioners
            for h in p.working_hours.all()
        )
        per_day = weekly_minutes / 7 / 25  # a visit takes about 25 minutes with its buffers
        days = max(364, int(count / max(per_day * 0.7, 0.1)) + 1)
        last_day = today + timedelta(days=182)
        first_day = last_day - timedelta(days=days)
        holidays = closed_days(first_day, last_day)
        fill = min(1.0, 1.2 * count / max(per_day * days, 1))
        future = [today + timedelta(days=n) for n in range((last_day - today).days + 1)]
        past = [today - timedelta(days=n) for n in range(1, (today - first_day).days + 1)]

        batch: list[Appointment] = []
        made = 0
        for day in future + past:
            if made >= count:
                break
            if day in holidays:
                continue
            for practitioner in practitioners:
                for hours in practitioner.working_hours.all():
                    if hours.weekday != day.weekday():
                        continue
                    cursor = datetime.combine(day, hours.start, tzinfo=tz)
                    close = datetime.combine(day, hours.end, tzinfo=tz)
                    while made < count:
                        service = rng.choice(offered[practitioner.pk])
                        start, end = cursor, cursor + timedelta(minutes=service.duration)
                        occupied_end = end + timedelta(minutes=service.buffer_after)
                        if occupied_end > close:
                            break
                        cursor = occupied_end
                        if rng.random() > fill or _clashes(
                            taken.get((practitioner.pk, day), ()), start, occupied_end
                        ):
                            continue
                        batch.append(
                            self.make_appointment(
                                service,
                                practitioner,
                                start,
                                end,
                                occupied_end,
                                rng=rng,
                                customers=customers,
                                references=references,
                                now=now,
                            )
                        )
                        made += 1
            if len(batch) >= 5000:
                Appointment.objects.bulk_create(batch)
                batch.clear()
        Appointment.objects.bulk_create(batch)
        return made

    def make_appointment(
        self, service, practitioner, start, end, occupied_end, *, rng, customers, references, now
    ):
        reference = _new_reference(rng, references)
        past = start < now
        if past:
            status = rng.choices(
                [
                    Appointment.Status.COMPLETED,
                    Appointment.Status.NO_SHOW,
                    Appointment.Status.CANCELLED,
                ],
                weights=[88, 4, 8],
            )[0]
        else:
            status = rng.choices(
                [Appointment.Status.CONFIRMED, Appointment.Status.CANCELLED], weights=[92, 8]
            )[0]
        created = min(now, start - timedelta(hours=rng.randint(2, 24 * 30)))
        species = self.species_of(service, rng)
        return Appointment(
            species=species,
            animal_name=rng.choice(ANIMAL_NAMES),
            price=service.price_for(species),
            price_kind=service.price_kind,
            price_basis=service.price_basis if service.price_kind == Service.PriceKind.BASIS else "",
            reference=reference,
            service=service,
            practitioner=practitioner,
            customer=rng.choice(customers),
            start=start,
            end=end,
            occupied_start=start - timedelta(minutes=service.buffer_before),
            occupied_end=occupied_end,
            status=status,
            source=rng.choices(list(Appointment.Source.values), weights=[70, 25, 5])[0],
            language=rng.choices(["fi", "sv", "en"], weights=[85, 10, 5])[0],
            created_at=created,
            cancelled_at=created + (start - created) / 2 if status == Appointment.Status.CANCELLED else None,
        )

    def species_of(self, service, rng: random.Random):
        """A species the service takes, the common ones more often (loaded once per service)."""
        cache = self.__dict__.setdefault("_species_cache", {})
        if service.pk not in cache:
            named = list(service.species.all()) or list(Species.objects.filter(is_active=True))
            cache[service.pk] = named
        choices = cache[service.pk]
        weights = [8 if s.name in {"koira", "kissa"} else 1 for s in choices]
        return rng.choices(choices, weights=weights)[0] if choices else None

    def create_customers(self, count: int, rng: random.Random) -> list[Customer]:
        existing = list(Customer.objects.all()[:count])
        new = []
        for i in range(len(existing), count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            new.append(
                Customer(
                    name=f"{first} {last}",
                    phone=f"+35840{1000000 + i:07d}"[:13],
                    email=f"{first.lower()}.{last.lower()}.{i}@example.com".replace("ä", "a").replace(
                        "ö", "o"
                    ),
                )
            )
        return existing + Customer.objects.bulk_create(new, batch_size=5000)

    def create_staff_users(self, password: str | None) -> None:
        shown = password or secrets.token_urlsafe(12)
        User = get_user_model()
        for username, role in STAFF_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            user.is_staff = True
            user.set_password(shown)
            user.save()
            roles.assign(user, role)
        practitioner = Practitioner.objects.order_by("order").first()
        if practitioner and practitioner.user_id is None:
            practitioner.user = User.objects.get(username="practitioner")
            practitioner.save()
        names = ", ".join(name for name, _ in STAFF_USERS)
        if password:
            self.stdout.write(f"Staff users: {names} (password as given)")
        else:
            self.stdout.write(f"Staff users: {names}; password: {shown}")


def _by_practitioner_and_day(rows) -> dict:
    grouped: dict = {}
    for pid, start, end in rows:
        grouped.setdefault((pid, timezone.localdate(start)), []).append((start, end))
    return grouped


def _clashes(intervals, start, end) -> bool:
    return any(s < end and start < e for s, e in intervals)


def _new_reference(rng: random.Random, taken: set[str]) -> str:
    while True:
        reference = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
        if reference not in taken:
            taken.add(reference)
            return reference
