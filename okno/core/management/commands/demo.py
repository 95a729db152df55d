"""Load the demo data (once) and print who can log in."""

import time

from django.core.management import BaseCommand

from okno.core.demo.build import build_demo, demo_exists
from okno.core.demo.people import CUSTOMERS, PASSWORD, STAFF


class Command(BaseCommand):
    help = "Load demo data: agents, customers and ~200 tickets (does nothing if already loaded)."

    def handle(self, *args, **options):
        if demo_exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            began = time.monotonic()
            build_demo()
            self.stdout.write(f"Demo data loaded in {time.monotonic() - began:.1f} s.")
        self._print_logins()

    def _print_logins(self):
        width = max(len(email) for email, *_rest in STAFF)
        self.stdout.write(f"\nStaff logins (password for all: {PASSWORD}):")
        for email, name, role, _groups, language, _tz in STAFF:
            self.stdout.write(f"  {email.ljust(width)}  {role:<12} {language}  {name}")
        self.stdout.write(
            "\nCustomers log in to /portal/ by a magic link sent to their email, e.g. "
            + CUSTOMERS[0][0]
        )
