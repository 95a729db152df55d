"""The web process of the scaled-out mode (HTTP + WebSocket); run several behind a proxy."""

import uvicorn
from django.core.management import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket (scaled-out mode)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host, port, workers, **options):
        uvicorn.run(
            "okno.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            lifespan="off",
            proxy_headers=True,
        )
