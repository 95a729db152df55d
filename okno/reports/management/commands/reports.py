"""`okno reports rebuild`: recompute the report facts and daily counters from events.

Needed after an upgrade that changes how a fact is derived, or after importing
history with the event handlers off. Prints one JSON line.
"""

import json
import time

from django.core.management import BaseCommand

from okno.reports.facts import rebuild_all


class Command(BaseCommand):
    help = "Report data: rebuild the per-ticket facts and daily counters from events."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="Recompute facts and daily counters from ticket events.")

    def handle(self, *args, action, **options):
        started = time.monotonic()
        tickets = rebuild_all()
        seconds = round(time.monotonic() - started, 2)
        self.stdout.write(json.dumps({"tickets": tickets, "seconds": seconds}))
