"""Everything in one process: web (HTTP + WebSocket), queue workers and scheduler."""

import logging

import uvicorn
from django.core.management import BaseCommand, call_command
from huey.contrib.djhuey import HUEY

from okno.accounts.models import User

log = logging.getLogger("okno")


class Command(BaseCommand):
    help = "Run Okno in one process on the embedded default (migrate, demo data on first start, serve)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-demo", action="store_true", help="do not load demo data on first start"
        )

    def handle(self, *args, host, port, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo and not User.objects.exists():
            call_command("demo")
        consumer = HUEY.create_consumer(workers=2, worker_type="thread", periodic=True)
        consumer.start()  # worker + scheduler threads; uvicorn owns the main thread
        from okno.channels.email.idle import start_idle_supervisor

        idle = start_idle_supervisor()  # IMAP IDLE connections, in background threads
        from okno.channels.messengers.telegram_poll import start_telegram_supervisor

        telegram = start_telegram_supervisor()  # Telegram long polling, in threads
        self.stdout.write(f"Okno is running at http://{host}:{port}/  (Ctrl+C to stop)")
        try:
            uvicorn.run(
                "okno.asgi:application", host=host, port=port, log_level="warning", lifespan="off"
            )
        finally:
            telegram.stop()
            idle.stop()
            consumer.stop(graceful=True)
