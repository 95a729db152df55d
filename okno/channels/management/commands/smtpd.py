"""`okno smtpd`: receive mail for the configured mailboxes over SMTP."""

import signal
import threading

from django.core.management import BaseCommand


class Command(BaseCommand):
    help = "Run the inbound SMTP listener for the configured mailbox addresses."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args, host, port, **options):
        from okno.channels.email.smtpd import make_controller

        controller = make_controller(host, port)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        controller.start()
        self.stdout.write(f"okno smtpd listening on {host}:{port}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
