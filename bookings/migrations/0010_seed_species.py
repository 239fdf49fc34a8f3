from django.db import migrations

SPECIES = [
    ("koira", "hund", "dog"),
    ("kissa", "katt", "cat"),
    ("kani", "kanin", "rabbit"),
    ("jyrsijä", "gnagare", "rodent"),
    ("lintu", "fågel", "bird"),
    ("matelija", "reptil", "reptile"),
    ("muu", "annan", "other"),
]


def seed_species(apps, schema_editor):
    Species = apps.get_model("bookings", "Species")
    for order, (fi, sv, en) in enumerate(SPECIES, start=1):
        Species.objects.get_or_create(name=fi, defaults={"name_sv": sv, "name_en": en, "order": order * 10})


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0009_species_prices_animal"),
    ]

    operations = [
        migrations.RunPython(seed_species, migrations.RunPython.noop),
    ]
