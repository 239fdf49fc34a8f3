from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from privacy.erasure import apply_retention


class Command(BaseCommand):
    help = "Erase persons with no appointment in the last DJANGO_RETENTION_YEARS years (off when 0)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count who would be erased")
        parser.add_argument("--years", type=int, default=None, help="override DJANGO_RETENTION_YEARS")

    def handle(self, *args, dry_run, years, **options):
        years = settings.RETENTION_YEARS if years is None else years
        if years < 0:
            raise CommandError("--years must be 0 (off) or more")
        if years == 0:
            self.stdout.write("Retention: off (data is kept until the person deletes it). Nothing done.")
            return
        count, receipts = apply_retention(years=years, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Retention {years} years: {count} customer records would be erased (dry run).")
        elif receipts:
            numbers = ", ".join(f"#{r.pk}" for r in receipts)
            self.stdout.write(
                f"Retention {years} years: {count} customer records erased, receipts {numbers}."
            )
        else:
            self.stdout.write(f"Retention {years} years: nothing to erase.")
