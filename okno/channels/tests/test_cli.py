"""`okno mail ingest` as an MTA or an admin runs it: a real subprocess on the test database."""

import json
import mailbox as mbox_lib
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from okno.channels.models import InboundEnvelope, Mailbox
from okno.channels.tests.mails import make_email
from okno.channels.tests.procs import okno_env
from okno.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def okno(args, tmp_path, *, stdin: bytes = b"", url: str | None = None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "okno.cli", *args],
        input=stdin,
        capture_output=True,
        env=okno_env(tmp_path, url),
        cwd=settings.BASE_DIR,
        timeout=timeout,
    )


@pytest.fixture
def support(db):
    return Mailbox.objects.create(address="support@okno.test", kind="pipe")


def test_pipe_stores_and_prints_one_json_line(support, tmp_path):
    raw = make_email(frm="Nina <nina@newco.test>", message_id="pipe1@newco.test")
    done = okno(["mail", "ingest", "--mailbox", "support@okno.test"], tmp_path, stdin=raw)
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout.decode().strip())
    assert line["created"] is True and line["duplicate"] is False
    ticket = Ticket.objects.get(number=line["ticket"])
    assert ticket.contact.email == "nina@newco.test"
    assert Message.objects.get(pk=line["message"]).ticket == ticket
    assert bytes(InboundEnvelope.objects.get().raw) == raw

    again = okno(["mail", "ingest", "--mailbox", "support@okno.test"], tmp_path, stdin=raw)
    line2 = json.loads(again.stdout)
    assert again.returncode == 0 and line2["duplicate"] is True
    assert line2["ticket"] == line["ticket"] and Ticket.objects.count() == 1


def test_pipe_exits_75_when_the_database_is_unreachable(tmp_path):
    url = "postgres://postgres@127.0.0.1:9/okno"  # nothing listens on the discard port
    done = okno(["mail", "ingest"], tmp_path, stdin=make_email(), url=url)
    assert done.returncode == 75, done.stderr
    assert done.stdout.strip() == b""


def test_pipe_exits_0_when_stored_but_processing_failed(support, tmp_path):
    raw = b"Subject: no sender at all\r\nMessage-ID: <nofrom@x.test>\r\n\r\nhello\r\n"
    done = okno(["mail", "ingest"], tmp_path, stdin=raw)
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout)
    assert line["state"] == "failed" and line["ticket"] is None
    envelope = InboundEnvelope.objects.get()
    assert envelope.state == "failed" and "sender" in envelope.error


def write_mbox(path, count: int, *, broken_at: int | None = None) -> list[bytes]:
    box = mbox_lib.mbox(path)
    messages = []
    box.lock()
    try:
        for i in range(count):
            if i == broken_at:
                raw = b"Subject: broken\r\nMessage-ID: <broken@x.test>\r\n\r\nno From here\r\n"
            elif i % 5 == 4:  # every fifth message answers the one before it
                raw = make_email(
                    frm=f"user{i - 1}@acme.test",
                    message_id=f"mbox{i}@acme.test",
                    in_reply_to=f"mbox{i - 1}@acme.test",
                    body=f"Reply number {i}",
                )
            else:
                raw = make_email(
                    frm=f"User {i} <user{i}@acme.test>",
                    subject=f"Question {i}",
                    message_id=f"mbox{i}@acme.test",
                    body=f"Message number {i}",
                )
            box.add(raw)
            messages.append(raw)
    finally:
        box.flush()
        box.unlock()
        box.close()
    return messages


def test_mbox_import(support, tmp_path):
    path = tmp_path / "archive.mbox"
    write_mbox(path, 50, broken_at=7)
    done = okno(["mail", "ingest", "--mbox", str(path)], tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["messages"] == 50 and summary["failed"] == 1
    assert summary["created"] + summary["replies"] == 49
    assert InboundEnvelope.objects.count() == 50
    assert Message.objects.filter(channel="email").count() == 49
    replies = Message.objects.filter(external_id="mbox9@acme.test").get()
    assert replies.ticket.messages.filter(external_id="mbox8@acme.test").exists()
    # Importing the same file again adds nothing.
    again = json.loads(okno(["mail", "ingest", "--mbox", str(path)], tmp_path).stdout)
    assert again["duplicates"] == 50 and Message.objects.filter(channel="email").count() == 49


def test_kill_9_during_mbox_import_loses_and_duplicates_nothing(support, tmp_path):
    # Small, and killed once a fixed number of messages is stored (polling the
    # database), so the kill lands mid-import however fast the machine is; small
    # batches, so that it lands between two of them (a batch commits whole).
    total, kill_after = 60, 8
    path = tmp_path / "big.mbox"
    write_mbox(path, total)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "okno.cli",
            "mail",
            "ingest",
            "--mbox",
            str(path),
            "--batch-size",
            "4",
        ],
        env=okno_env(tmp_path),
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while InboundEnvelope.objects.count() < kill_after and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored_at_kill = InboundEnvelope.objects.count()
    assert 0 < stored_at_kill < total, "the import finished before it could be killed"
    # Whatever was committed is whole: each stored envelope has its message.
    at_kill = InboundEnvelope.objects.filter(state="processed", message__isnull=False).count()
    assert at_kill == stored_at_kill
    assert Message.objects.filter(channel="email").count() == stored_at_kill

    done = okno(["mail", "ingest", "--mbox", str(path)], tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert InboundEnvelope.objects.count() == total
    assert not InboundEnvelope.objects.exclude(state="processed").exists()
    ids = list(Message.objects.filter(channel="email").values_list("external_id", flat=True))
    assert len(ids) == total and len(set(ids)) == total
    assert Ticket.objects.count() == total - total // 5
