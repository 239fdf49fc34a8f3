from django.core.management.base import BaseCommand

from privacy.services import reapply_erasures


class Command(BaseCommand):
    help = "After restoring a backup: erase again everyone in the erasure ledger."

    def handle(self, *args, **options):
        receipts = reapply_erasures()
        if receipts:
            erased = sum(r.counts.get("customer records", 0) for r in receipts)
            self.stdout.write(f"Erased again: {erased} customer records, receipt #{receipts[0].pk}.")
        else:
            self.stdout.write("Nothing to erase again: no erased person is in the database.")
