from huey.contrib.djhuey import db_task

from okno.notifications.services import send_digest


@db_task(retries=3, retry_delay=60)
def send_digest_task(user_id: int, ticket_id: int | None) -> None:
    send_digest(user_id, ticket_id)
