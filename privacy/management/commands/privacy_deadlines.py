from django.core.management.base import BaseCommand

from notifications.services import sending_inline
from privacy.services import purge_verification_links, send_deadline_notices


class Command(BaseCommand):
    help = "Email the DPO the requests due within 7 days (once a day per request); drop expired links."

    def handle(self, *args, **options):
        with sending_inline():
            count = send_deadline_notices()
        self.stdout.write(
            f"Deadline notice: {count} requests listed." if count else "Deadline notice: none due."
        )
        self.stdout.write(f"Expired verification links removed: {purge_verification_links()}.")
