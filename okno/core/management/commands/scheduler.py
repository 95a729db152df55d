"""The one scheduler of the scaled-out mode: enqueues periodic tasks (and runs some)."""

from django.core.management import BaseCommand
from huey.contrib.djhuey import HUEY


class Command(BaseCommand):
    help = "Run the periodic-task scheduler (run exactly one)."

    def handle(self, *args, **options):
        from okno.channels.email.idle import start_idle_supervisor

        start_idle_supervisor()  # IMAP IDLE connections, in background threads
        HUEY.create_consumer(workers=1, worker_type="thread", periodic=True).run()
