from huey.contrib.djhuey import db_task

from okno.core.events import run_handlers


@db_task(retries=3, retry_delay=5)
def dispatch_events(event_ids: list[int]) -> None:
    run_handlers(event_ids)
