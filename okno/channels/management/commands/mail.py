"""`okno mail ingest`: the MTA pipe and the mbox importer.

okno mail ingest [--mailbox ADDRESS] < message.eml
    one JSON line: {"ticket": N, "message": ID, "created": bool, "duplicate": bool, ...}
    exit 0 once the message is stored (even if processing failed: it waits in the
    "failed inbound" list), exit 75 (EX_TEMPFAIL) when it could not be stored, so
    that the MTA keeps it and retries.
okno mail ingest --mbox FILE [--mailbox ADDRESS] [--batch-size N]
    imports a whole mbox, N messages (100) per transaction, each message in a
    savepoint (its envelope and what it became commit together: a kill leaves each
    message either fully imported or not at all, a second run skips what is stored,
    a broken message is stored "failed" without holding up the rest), and prints a
    summary line counting only committed messages.
okno mail idle
    keeps the IMAP IDLE connections of the mailboxes with "use IMAP IDLE" in the
    foreground (`okno scheduler` and `okno run` do this in the background already).
"""

import json
import mailbox as mbox_lib
import sys
import time

from django.core.management import BaseCommand, CommandError
from django.db import DatabaseError

EX_DATAERR = 65
EX_TEMPFAIL = 75
MAX_PIPE_SIZE = 100 * 1024 * 1024


class Command(BaseCommand):
    help = "Import email: one message on stdin (an MTA pipe) or a whole mbox file."
    # The system checks import every URL module and the whole API (seconds): an MTA
    # runs this once per message, and `okno migrate` / `okno web` check already.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="Import one message from stdin, or an mbox.")
        ingest.add_argument("--mailbox", default="", help="The address the mail was sent to.")
        ingest.add_argument("--mbox", default="", help="Import every message of this mbox file.")
        ingest.add_argument(
            "--batch-size",
            type=int,
            default=100,
            help="mbox: messages per transaction (a kill loses at most the batch in flight).",
        )
        sub.add_parser("idle", help="Keep the IMAP IDLE connections (foreground).")

    def handle(self, *args, action, mailbox="", mbox="", batch_size=100, **options):
        if action == "idle":
            return self._idle()
        try:
            box = _mailbox(mailbox)
        except DatabaseError as exc:
            raise CommandError(f"cannot reach the database: {exc}", returncode=EX_TEMPFAIL)
        if mbox:
            self._mbox(mbox, box, max(1, batch_size))
        else:
            self._pipe(box)

    def _idle(self):
        import signal

        from okno.channels.email.idle import IdleSupervisor

        supervisor = IdleSupervisor()
        signal.signal(signal.SIGTERM, lambda *_: supervisor.stopping.set())
        supervisor.start()
        try:
            while not supervisor.stopping.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            supervisor.stop()

    def _pipe(self, box):
        from okno.channels.email.ingest import StoreFailed, queue_indexing, receive_email
        from okno.tickets.search import indexing_deferred

        raw = sys.stdin.buffer.read(MAX_PIPE_SIZE + 1)
        if len(raw) > MAX_PIPE_SIZE:
            raise CommandError("message too large", returncode=EX_DATAERR)
        if not raw.strip():
            raise CommandError("no message on standard input", returncode=EX_DATAERR)
        try:
            # The worker indexes the ticket for search: loading the lemmatizer's
            # dictionaries would cost this one-message process seconds.
            with indexing_deferred() as numbers:
                result = receive_email(raw, mailbox=box)
        except StoreFailed as exc:
            raise CommandError(f"could not store the message: {exc}", returncode=EX_TEMPFAIL)
        if numbers:
            queue_indexing(sorted(numbers))
        self.stdout.write(json.dumps(result.as_json()))

    def _mbox(self, path, box, batch_size):
        from okno.channels.email.batch import import_messages

        counts = {"messages": 0, "created": 0, "replies": 0, "duplicates": 0}
        counts |= {"ignored": 0, "failed": 0, "not_stored": 0}
        started = time.monotonic()
        source = mbox_lib.mbox(path, create=False)
        try:
            # Keys are file offsets: one batch of messages in memory at a time. A
            # batch is counted once it is committed (see batch.py).
            raws = (source.get_bytes(key) for key in source.iterkeys())
            for batch in import_messages(raws, mailbox=box, batch_size=batch_size):
                for error in batch.not_stored:
                    self.stderr.write(f"a message was not stored: {error}")
                counts["not_stored"] += len(batch.not_stored)
                counts["messages"] += len(batch.results) + len(batch.not_stored)
                for result in batch.results:
                    counts[_outcome(result)] += 1
        finally:
            source.close()
        seconds = time.monotonic() - started
        counts["seconds"] = round(seconds, 3)
        counts["per_second"] = round(counts["messages"] / seconds, 1) if seconds else None
        self.stdout.write(json.dumps(counts))
        if counts["not_stored"]:
            raise CommandError("some messages could not be stored", returncode=EX_TEMPFAIL)


def _outcome(result) -> str:
    if result.duplicate:
        return "duplicates"
    if result.state in ("failed", "ignored"):
        return result.state
    return "created" if result.created else "replies"


def _mailbox(address: str):
    from okno.channels.models import Mailbox

    if not address:
        return None
    box = Mailbox.objects.filter(address=address.strip().lower()).first()
    if box is None:
        # Still take the mail (nothing is lost); it is routed by its To instead.
        sys.stderr.write(f"okno: no mailbox {address} is configured; routing by recipients\n")
    return box
