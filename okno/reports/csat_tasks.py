"""Queued CSAT work. Imported by okno/reports/tasks.py so that Huey's consumer knows
the task after a restart (a survey is often scheduled minutes ahead)."""

from huey.contrib.djhuey import db_task


@db_task(retries=3, retry_delay=60)
def send_survey(solve_event_id: int) -> None:
    from okno.reports.csat import survey_send

    survey_send(solve_event_id)
