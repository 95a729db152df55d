"""IMAP IDLE: a kept connection per mailbox with `idle=True`, so that new mail becomes
a ticket within seconds instead of at the next poll.

The threads are the shapes of okno/channels/supervisor.py.
`IdleSupervisor` runs in the one scheduler process (`okno scheduler`, `okno run`, or
on its own as `okno mail idle`). Every `rescan` seconds it reads the IDLE mailboxes
and starts one `IdleLoop` thread per mailbox, restarts a loop whose settings changed
and stops the loops of mailboxes that went away.

An `IdleLoop`:
1. connects, logs in and selects the folder;
2. imports what is unseen (the code polling uses, under the mailbox's fetch lock) and
   records the check on the mailbox. That record is also the heartbeat that keeps
   the periodic poller (`tasks.poll_mailboxes`) away: a renewal comes well within the
   poll interval, so the poller only steps in when no loop runs;
3. IDLEs until the server reports new mail (EXISTS / RECENT), the renewal time
   passes (at most 25 minutes: RFC 2177 servers drop idlers after 30), or it is told
   to stop; then goes back to 2. A server without the IDLE capability gets a plain
   wait of the poll interval instead: polling over the kept connection;
4. on any error records it on the mailbox, drops the connection and reconnects after
   an exponential backoff (1 s doubling up to 5 minutes); a good pass resets it.
"""

import logging
import select
import ssl
import threading
import time

from django.db import close_old_connections
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from okno.channels.email.fetch import FetchReport, imap_login, import_unseen
from okno.channels.models import Mailbox, MailboxKind
from okno.channels.services import MAILBOX_FIELDS, mailbox_record_poll
from okno.channels.supervisor import KeptLoop, Supervisor

log = logging.getLogger("okno.channels.idle")

MAX_RENEW = 25 * 60
STOP_CHECK = 1.0  # how often a waiting loop looks at its stop flag (seconds)


class ConnectionLost(Exception):
    """The store failed: drop the connection and come back after the backoff."""


def idle_mailboxes():
    return Mailbox.objects.filter(active=True, idle=True, kind=MailboxKind.IMAP)


def renew_interval(mailbox: Mailbox) -> float:
    """Half the poll interval (the poller's heartbeat check), 10 s to 25 min."""
    return float(max(10, min(mailbox.poll_interval // 2, MAX_RENEW)))


def fingerprint(mailbox: Mailbox) -> tuple:
    """The settings: a loop is replaced when any changes (rarely: an admin's edit)."""
    return tuple(mailbox.serializable_value(name) for name in MAILBOX_FIELDS)


class IdleLoop(KeptLoop):
    """Keeps one mailbox's IDLE connection, reconnecting with backoff (see above)."""

    def __init__(self, mailbox: Mailbox, *, backoff: tuple[float, float] = (1.0, 300.0)):
        super().__init__(mailbox, name=f"okno-idle-{mailbox.pk}", backoff=backoff)
        self.mailbox_id = mailbox.pk
        self.idle_supported: bool | None = None  # known after the first login
        self.passes = 0  # import passes made (for tests and logs)

    fingerprint_of = staticmethod(fingerprint)

    def load(self) -> Mailbox | None:
        return idle_mailboxes().filter(pk=self.mailbox_id).first()

    def record_error(self, row: Mailbox, exc: Exception) -> None:
        log.warning("IDLE on %s: %s", row.address, exc)
        error = f"IDLE: {type(exc).__name__}: {exc}"
        try:
            Mailbox.objects.filter(pk=row.pk).update(last_error=error[:2000])
        except Exception:  # the database is away too: the log has it
            log.exception("could not record the IDLE error of %s", row.address)

    def session(self, mailbox: Mailbox) -> None:
        with imap_login(mailbox) as box:
            self.idle_supported = b"IDLE" in _capabilities(box)
            renew = renew_interval(mailbox)
            while not self.stopping.is_set():
                self._import(box, mailbox)
                if _news(box):  # arrived while we were importing: import again
                    continue
                if self.idle_supported:
                    _idle(box, self.stopping, renew)
                else:  # poll over the kept connection; NOOP proves it is alive
                    self.stopping.wait(mailbox.poll_interval)
                    if not self.stopping.is_set():
                        box.client.noop()

    def _import(self, box, mailbox: Mailbox) -> None:
        close_old_connections()
        _news(box)  # what was reported so far, the search below sees
        report = FetchReport()
        deadline = time.monotonic() + 30
        while True:  # a poll may hold the lock (the poller does not know about us yet)
            try:
                with HUEY.lock_task(f"okno-mailbox-{mailbox.pk}"):
                    import_unseen(box, mailbox, report, None)
                break
            except TaskLockedException:
                if time.monotonic() > deadline or self.stopping.wait(0.5):
                    return
        self.passes += 1
        mailbox_record_poll(mailbox=mailbox, when=timezone.now(), error=report.error)
        if report.error:  # could not store: the database is away; reconnect later
            raise ConnectionLost(report.error)


def _capabilities(box) -> bytes:
    """The capabilities after login (servers announce more than before it)."""
    _status, data = box.client.capability()
    return b" ".join(item for item in data if isinstance(item, bytes)).upper()


def _news(box) -> bool:
    """Whether the server reported new mail in answer to our last commands (it tells
    a selected session at any command's end, and then not again in IDLE)."""
    found = False
    for name in ("EXISTS", "RECENT"):
        found |= bool(box.client.untagged_responses.pop(name, None))
    return found


def _buffered(box) -> bool:
    """Whether a line already sits in imaplib's reader (it may have come in one packet
    with "+ idling"): polling the socket would not see it."""
    sock = box.client.sock
    old_timeout = sock.gettimeout()
    sock.settimeout(0)
    try:
        return bool(box.client.file.peek(1))
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    finally:
        sock.settimeout(old_timeout)


def _idle(box, stopping: threading.Event, seconds: float) -> bool:
    """IDLE until new mail, `seconds`, or `stopping`; True when mail arrived.
    A lost connection raises (imaplib's abort on EOF), and is not told DONE."""
    box.idle.start()
    arrived = False
    deadline = time.monotonic() + seconds
    sock = box.client.sock
    while not stopping.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            break
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
        if not (
            pending or _buffered(box) or select.select([sock], [], [], min(left, STOP_CHECK))[0]
        ):
            continue
        line = box.client._get_line()
        if line.startswith(b"* ") and (b"EXISTS" in line or b"RECENT" in line):
            arrived = True
            break
    box.idle.stop()
    return arrived


class IdleSupervisor(Supervisor):
    """One IdleLoop per IDLE mailbox, kept in line with the settings (see above)."""

    def __init__(self, *, rescan: float = 30.0, backoff: tuple[float, float] = (1.0, 300.0)):
        super().__init__(name="okno-idle-supervisor", rescan=rescan, stop_timeout=10.0)
        self.backoff = backoff

    def wanted(self) -> dict:
        return {m.pk: m for m in idle_mailboxes()}

    def new_loop(self, row: Mailbox) -> IdleLoop:
        return IdleLoop(row, backoff=self.backoff)


def start_idle_supervisor() -> IdleSupervisor:
    """For the scheduler processes: IDLE in background threads."""
    supervisor = IdleSupervisor()
    supervisor.start()
    return supervisor
