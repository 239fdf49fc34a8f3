import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from privacy.erasure import reapply_erasures


class Command(BaseCommand):
    help = (
        "After restoring a backup: erase again everyone in the erasure ledger. Give --ledger the "
        "file export_erasure_ledger wrote from the live database before the restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ledger", type=Path, help="a ledger file from export_erasure_ledger")

    def handle(self, *args, ledger, **options):
        entries = []
        if ledger:
            try:
                entries = json.loads(ledger.read_text())
                if not all({"email_digest", "phone_digest"} <= set(e) for e in entries):
                    raise ValueError("not a ledger")
            except (OSError, ValueError, TypeError):
                raise CommandError(f"{ledger} is not a ledger file from export_erasure_ledger") from None
        receipts = reapply_erasures(ledger=entries)
        erased = sum(r.counts.get("customer_records", 0) for r in receipts)
        if receipts:
            self.stdout.write(f"Erased again: {erased} customer records in {len(receipts)} receipts.")
        else:
            self.stdout.write("Nothing to erase again: no erased person is in the database.")
