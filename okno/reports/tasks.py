from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from okno.reports.csat_tasks import send_survey  # noqa: F401 - registers the CSAT task
from okno.reports.schedules import send_due_reports


@db_periodic_task(crontab(minute="7"))
@lock_task("reports-scheduled-email")
def send_scheduled_reports() -> None:
    """Hourly: a schedule due today goes out once (see `last_sent_at`)."""
    send_due_reports()
