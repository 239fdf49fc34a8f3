import json

from django.core.management.base import BaseCommand

from privacy.erasure import export_erasure_ledger


class Command(BaseCommand):
    help = "Print the erasure ledger (keyed hashes only) as JSON, to keep beside the backups."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(export_erasure_ledger()))
