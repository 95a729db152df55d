"""A queue worker of the scaled-out mode; periodic tasks are left to `okno scheduler`.
It also long-polls the Telegram bots (okno/channels/messengers/telegram_poll.py)."""

from django.core.management import BaseCommand
from huey.contrib.djhuey import HUEY


class Command(BaseCommand):
    help = "Run queue workers (no periodic tasks)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=4)

    def handle(self, *args, workers, **options):
        from okno.channels.messengers.telegram_poll import start_telegram_supervisor

        telegram = start_telegram_supervisor()  # Telegram long polling, in background threads
        try:
            HUEY.create_consumer(workers=workers, worker_type="thread", periodic=False).run()
        finally:
            telegram.stop()
