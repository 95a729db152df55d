"""Kept connections in background threads: one loop per configured row (a mailbox's
IMAP IDLE, a Telegram bot's long polling), and a supervisor that keeps the loops in
line with the settings. email/idle.py and messengers/telegram_poll.py fill them in.

A `KeptLoop` thread:
1. reads its row again (`load`); gone, or switched off: the loop ends;
2. runs one `session` (connect, then work until told to stop or until it fails);
3. on any error records it (`record_error`) and comes back after an exponential
   backoff (`backoff`: first wait, cap; doubling); a session that ends well resets it.

A `Supervisor` thread, every `rescan` seconds: reads the rows that want a loop
(`wanted`), stops the loops whose row went away, changed (`fingerprint`) or died, and
starts one for every row without one.
"""

import logging
import threading

from django.db import close_old_connections, connections

log = logging.getLogger("okno.channels.supervisor")


class KeptLoop(threading.Thread):
    """One row's kept connection, reconnecting with backoff (see the module docstring)."""

    def __init__(self, row, *, name: str, backoff: tuple[float, float] = (1.0, 300.0)):
        super().__init__(name=name, daemon=True)
        self.row_id = row.pk
        self.fingerprint = self.fingerprint_of(row)
        self.backoff = backoff
        self.stopping = threading.Event()

    # --- what a kind of loop fills in -----------------------------------------------

    @staticmethod
    def fingerprint_of(row) -> object:
        """The settings whose change needs a new loop."""
        raise NotImplementedError

    def load(self):
        """The row as it is now, or None when it no longer wants a loop."""
        raise NotImplementedError

    def session(self, row) -> None:
        """Connect and work until `stopping` is set; an exception means a backoff."""
        raise NotImplementedError

    def record_error(self, row, exc: Exception) -> None:
        """Show the failure where admins look (the row's last_error)."""

    def finish(self) -> None:
        """The loop ends: give back what it holds."""

    # --- the loop -------------------------------------------------------------------

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        failures = 0
        try:
            while not self.stopping.is_set():
                close_old_connections()
                row = self.load()
                if row is None:
                    return
                try:
                    self.session(row)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    self.record_error(row, exc)
                    first, cap = self.backoff
                    self.stopping.wait(min(cap, first * 2 ** (failures - 1)))
        finally:
            self.finish()
            connections.close_all()


class Supervisor(threading.Thread):
    """A KeptLoop per row that wants one (see the module docstring)."""

    def __init__(self, *, name: str, rescan: float, stop_timeout: float = 5.0):
        super().__init__(name=name, daemon=True)
        self.rescan = rescan
        self.stop_timeout = stop_timeout
        self.stopping = threading.Event()
        self.loops: dict[int, KeptLoop] = {}

    def wanted(self) -> dict:
        """{pk: row} of the rows that want a loop now."""
        raise NotImplementedError

    def new_loop(self, row) -> KeptLoop:
        raise NotImplementedError

    def stop(self, timeout: float | None = None) -> None:
        timeout = self.stop_timeout if timeout is None else timeout
        self.stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)  # first: a sync under way may still start a loop
        loops = list(self.loops.values())
        for loop in loops:
            loop.stop()
        for loop in loops:
            loop.join(timeout)

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    self.sync()
                except Exception:  # the database is away: try at the next rescan
                    log.exception("%s could not read its settings", self.name)
                self.stopping.wait(self.rescan)
        finally:
            connections.close_all()

    def sync(self) -> None:
        """Start, restart and stop loops to match the rows now."""
        close_old_connections()
        wanted = self.wanted()
        for pk, loop in list(self.loops.items()):
            row = wanted.get(pk)
            if row is None or not loop.is_alive() or loop.fingerprint != loop.fingerprint_of(row):
                loop.stop()
                del self.loops[pk]
        for pk, row in wanted.items():
            if pk not in self.loops and not self.stopping.is_set():
                loop = self.new_loop(row)
                loop.start()  # before it is listed: stop() joins only started threads
                self.loops[pk] = loop
