"""Periodic polling of IMAP and POP3 mailboxes."""

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from okno.channels.models import Mailbox, MailboxKind


@db_periodic_task(crontab(minute="*"))
def poll_mailboxes() -> None:
    """Every minute: queue a fetch for each active mailbox whose interval has passed."""
    now = timezone.now()
    for mailbox in Mailbox.objects.filter(
        active=True, kind__in=[MailboxKind.IMAP, MailboxKind.POP3]
    ):
        due = mailbox.last_polled_at is None or mailbox.last_polled_at + dt.timedelta(
            seconds=mailbox.poll_interval
        ) <= now + dt.timedelta(seconds=5)
        if due:
            poll_mailbox(mailbox.pk)


@db_task()
def poll_mailbox(mailbox_id: int) -> None:
    from okno.channels.email.fetch import fetch_mailbox

    mailbox = Mailbox.objects.filter(pk=mailbox_id, active=True).first()
    if mailbox is None:
        return
    try:
        # One fetch per mailbox at a time, even with many workers.
        with HUEY.lock_task(f"okno-mailbox-{mailbox_id}"):
            fetch_mailbox(mailbox)
    except TaskLockedException:
        return


@db_task(retries=3, retry_delay=30)
def index_tickets(numbers: list[int]) -> None:
    """The search index of tickets written by a short-lived process (the MTA pipe)."""
    from okno.tickets.search import index_tickets as index

    index(numbers)


# Outbound delivery tasks live in their own package; importing them here registers
# them wherever the app's tasks are discovered (okno.core autodiscovers "tasks").
from okno.channels.messengers import tasks as _messenger_tasks  # noqa: E402, F401
from okno.channels.outbound import tasks as _outbound_tasks  # noqa: E402, F401
