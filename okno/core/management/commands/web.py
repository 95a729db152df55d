"""The web process of the scaled-out mode (HTTP + WebSocket); run several behind a proxy."""

import os

import uvicorn
from django.conf import settings
from django.core.management import BaseCommand


def default_workers() -> int:
    """One worker per CPU when the channel layer is shared (Redis), else one.

    A process serves HTTP on a fixed pool of threads (okno/asgi.py), but Python runs
    one of them at a time, so a process per CPU is what lets requests use every core. With the in-memory
    channel layer, live updates would not cross processes: one worker then.
    """
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    return (os.cpu_count() or 1) if "InMemory" not in backend else 1


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket (scaled-out mode)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=None, help="processes (default: one per CPU with Redis)"
        )

    def handle(self, *args, host, port, workers, **options):
        uvicorn.run(
            "okno.asgi:application",
            host=host,
            port=port,
            workers=workers or default_workers(),
            log_level="warning",
            lifespan="off",
            proxy_headers=True,
        )
