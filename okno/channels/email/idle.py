"""IMAP IDLE: a kept connection per mailbox with `idle=True`, so that new mail becomes
a ticket within seconds instead of at the next poll.

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

from django.db import close_old_connections, connections
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from okno.channels.email.fetch import FetchReport, imap_login, import_unseen
from okno.channels.models import Mailbox, MailboxKind
from okno.channels.services import MAILBOX_FIELDS, mailbox_record_poll

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


class IdleLoop(threading.Thread):
    """Keeps one mailbox's IDLE connection, reconnecting with backoff (see above)."""

    def __init__(self, mailbox: Mailbox, *, backoff: tuple[float, float] = (1.0, 300.0)):
        super().__init__(name=f"okno-idle-{mailbox.pk}", daemon=True)
        self.mailbox_id = mailbox.pk
        self.fingerprint = fingerprint(mailbox)
        self.backoff = backoff
        self.stopping = threading.Event()
        self.idle_supported: bool | None = None  # known after the first login
        self.passes = 0  # import passes made (for tests and logs)

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        failures = 0
        try:
            while not self.stopping.is_set():
                close_old_connections()
                mailbox = idle_mailboxes().filter(pk=self.mailbox_id).first()
                if mailbox is None:
                    return
                try:
                    self._session(mailbox)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    log.warning("IDLE on %s: %s", mailbox.address, exc)
                    self._record_error(mailbox, f"IDLE: {type(exc).__name__}: {exc}")
                    first, cap = self.backoff
                    self.stopping.wait(min(cap, first * 2 ** (failures - 1)))
        finally:
            connections.close_all()

    def _session(self, mailbox: Mailbox) -> None:
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

    def _record_error(self, mailbox: Mailbox, error: str) -> None:
        try:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_error=error[:2000])
        except Exception:  # the database is away too: the log has it
            log.exception("could not record the IDLE error of %s", mailbox.address)


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


class IdleSupervisor(threading.Thread):
    """One IdleLoop per IDLE mailbox, kept in line with the settings (see above)."""

    def __init__(self, *, rescan: float = 30.0, backoff: tuple[float, float] = (1.0, 300.0)):
        super().__init__(name="okno-idle-supervisor", daemon=True)
        self.rescan = rescan
        self.backoff = backoff
        self.stopping = threading.Event()
        self.loops: dict[int, IdleLoop] = {}

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for loop in list(self.loops.values()):
            loop.stop()
        for loop in list(self.loops.values()):
            loop.join(timeout)
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    self.sync()
                except Exception:  # the database is away: try at the next rescan
                    log.exception("IDLE supervisor could not read the mailboxes")
                self.stopping.wait(self.rescan)
        finally:
            connections.close_all()

    def sync(self) -> None:
        """Start, restart and stop loops to match the mailboxes now."""
        close_old_connections()
        wanted = {m.pk: m for m in idle_mailboxes()}
        for pk, loop in list(self.loops.items()):
            mailbox = wanted.get(pk)
            if mailbox is None or not loop.is_alive() or loop.fingerprint != fingerprint(mailbox):
                loop.stop()
                del self.loops[pk]
        for pk, mailbox in wanted.items():
            if pk not in self.loops and not self.stopping.is_set():
                loop = IdleLoop(mailbox, backoff=self.backoff)
                self.loops[pk] = loop
                loop.start()


def start_idle_supervisor() -> IdleSupervisor:
    """For the scheduler processes: IDLE in background threads."""
    supervisor = IdleSupervisor()
    supervisor.start()
    return supervisor
