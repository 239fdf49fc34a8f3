from django.conf import settings
from django.core.management.base import BaseCommand

from bookings.emails import send_due_reminders


class Command(BaseCommand):
    help = "Queue reminders of confirmed visits starting within DJANGO_REMINDER_HOURS_BEFORE (run hourly)."

    def handle(self, *args, **options):
        count = send_due_reminders()
        self.stdout.write(
            f"Reminders: {count} queued for visits in the next {settings.REMINDER_HOURS_BEFORE} hours."
        )
