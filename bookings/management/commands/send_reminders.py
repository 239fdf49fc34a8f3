from django.conf import settings
from django.core.management.base import BaseCommand

from bookings.emails import send_due_reminders
from notifications.services import sending_inline


class Command(BaseCommand):
    help = "Send reminders of confirmed visits starting within DJANGO_REMINDER_HOURS_BEFORE (run hourly)."

    def handle(self, *args, **options):
        with sending_inline():
            count = send_due_reminders()
        delivery = (
            "left for send_outbox"
            if settings.OUTBOX_DELIVERY == "cron"
            else "sent before this command ended (a failed one waits for send_outbox)"
        )
        self.stdout.write(
            f"Reminders: {count} queued for visits in the next {settings.REMINDER_HOURS_BEFORE} hours, {delivery}."
        )
