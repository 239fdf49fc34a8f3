from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.services import deliver_due, purge_delivered


class Command(BaseCommand):
    help = "Send due messages (retrying failed ones with back-off) and blank old delivered ones."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many messages per run")

    def handle(self, *args, limit, **options):
        result = deliver_due(limit=max(1, limit))
        purged = purge_delivered()
        self.stdout.write(
            f"Outbox: {result['sent']} sent, {result['not_sent']} not sent (retried later or given up) "
            f"of {result['due']} due; {purged} older than {settings.OUTBOX_KEEP_DAYS} days emptied."
        )
