"""The MTA pipe starts one process per message, so it loads only what it needs: no
system checks (they import every URL module and the API), no lemmatizer (the worker
indexes the ticket for search)."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from huey import SqliteHuey

from okno.channels.email.ingest import receive_email
from okno.channels.models import Mailbox
from okno.channels.tests.mails import make_email
from okno.channels.tests.procs import okno_env
from okno.tickets.models import Ticket, TicketSearchText
from okno.tickets.search import index_tickets, indexing_deferred, match_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pipe_imports_neither_the_api_nor_the_lemmatizer(tmp_path):
    Mailbox.objects.create(address="support@okno.test", kind="pipe")
    env = okno_env(tmp_path)
    env.pop("OKNO_QUEUE_IMMEDIATE")  # a real queue, as in production
    # The embedded one, whatever the run's REDIS_URL: the check below reads its file.
    env.pop("REDIS_URL", None)
    raw = make_email(subject="Zephyrine printer jams", message_id="startup@newco.test")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "okno.cli", "mail", "ingest"],
        input=raw,
        capture_output=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = json.loads(done.stdout)
    imported = done.stderr.decode()
    assert "| okno.channels.email.ingest" in imported  # the check can see imports
    assert "simplemma" not in imported and "okno.api.api" not in imported
    # The ticket is there, its search entry waits for the worker's task.
    assert Ticket.objects.filter(number=line["ticket"]).exists()
    assert not TicketSearchText.objects.filter(ticket_id=line["ticket"]).exists()
    queue = SqliteHuey("okno", filename=str(tmp_path / "data" / "queue.sqlite3"))
    queued = queue.storage.enqueued_items()
    assert [item for item in queued if b"index_tickets" in item]  # besides the events
    index_tickets([line["ticket"]])  # what the task does in the worker
    assert list(match_text(Ticket.objects.all(), "zephyrine printers")) == [
        Ticket.objects.get(number=line["ticket"])
    ]


def test_deferred_indexing_collects_new_tickets_and_replies():
    with indexing_deferred() as numbers:
        first = receive_email(make_email(subject="Scanner broken", message_id="d1@x.test"))
        reply = receive_email(
            make_email(subject="Re: Scanner broken", body="Still broken", in_reply_to="d1@x.test")
        )
    assert reply.ticket == first.ticket and numbers == {first.ticket.number}
    assert not TicketSearchText.objects.exists()
    index_tickets(sorted(numbers))
    assert match_text(Ticket.objects.all(), "scanner still").count() == 1
    # Outside the block, indexing happens at once again.
    later = receive_email(make_email(subject="Keyboard sticky", message_id="d2@x.test"))
    assert TicketSearchText.objects.filter(ticket_id=later.ticket.number).exists()
