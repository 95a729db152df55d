"""The SLA's queued work: the every-minute check and recomputes after policy edits."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from okno.sla.services import sla_check, sla_recompute_open


@db_periodic_task(crontab(minute="*"))
def check_sla_clocks() -> dict:
    """Every minute: announce warnings and breaches (safe with many workers)."""
    return sla_check()


@db_task(retries=2, retry_delay=30)
def recompute_open_clocks() -> int:
    """After a policy or calendar change: every open ticket's clocks, in batches."""
    return sla_recompute_open()


# The same task under the name the settings pages first used.
recompute_open_tickets = recompute_open_clocks
