from django.db import connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from okno.core.events import run_handlers


@db_task(retries=3, retry_delay=5)
def dispatch_events(event_ids: list[int]) -> None:
    run_handlers(event_ids)


@db_periodic_task(crontab(minute="41", hour="4"))
@lock_task("sqlite-ticket-statistics")
def refresh_sqlite_statistics() -> None:
    """Nightly on SQLite: fresh planner statistics of the tickets table (PostgreSQL's
    autovacuum keeps its own). Without any, SQLite takes every index for selective:
    at 100k tickets it fetched and sorted a whole view for one page of the ticket
    list (~200 ms) instead of walking the list's index to the page (~1 ms). Only
    that table: ANALYZE holds the write lock while it reads (~0.3 s per 100k tickets),
    all tables would hold it for seconds."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")
