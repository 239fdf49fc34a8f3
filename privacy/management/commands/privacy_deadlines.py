from django.core.management.base import BaseCommand

from privacy.services import send_deadline_notices


class Command(BaseCommand):
    help = "Email the data-protection officer the requests due within 7 days (once a day per request)."

    def handle(self, *args, **options):
        count = send_deadline_notices()
        self.stdout.write(
            f"Deadline notice: {count} requests listed." if count else "Deadline notice: none due."
        )
