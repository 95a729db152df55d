from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from okno.automation.timerules import run_time_rules


@db_periodic_task(crontab(minute="*"))
@lock_task("automation-time-rules")
def time_rules_pass() -> None:
    """Every minute, one pass; the lock keeps a slow pass from overlapping the next."""
    run_time_rules()
