from django.core.management.base import BaseCommand

from waitlist.services import offer_free_times


class Command(BaseCommand):
    help = "Offer freed times to the waiting list and drop entries whose days have passed."

    def handle(self, *args, **options):
        self.stdout.write(f"Waiting list: {offer_free_times()} offers sent.")
