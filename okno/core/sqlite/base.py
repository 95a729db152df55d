"""Django's SQLite backend with a quick hand-over of the write lock.

SQLite lets one transaction write at a time. A writer that finds the lock taken is
put to sleep by SQLite's busy handler for 1, 2, 5 … up to 100 ms between tries, so
with a few concurrent writers a request sleeps on long after the lock came free
(py-spy under bench/ api_create: the waiting threads sit in BEGIN IMMEDIATE). Here a
write transaction (Django starts every one with BEGIN IMMEDIATE) first takes an
advisory lock, held until COMMIT or ROLLBACK:

1. within a process, a `threading.Lock`: the next thread is woken the moment the
   lock is released;
2. across processes (`okno web` × N, a worker), `flock` on `<database>.writer`,
   polled every 0.2–2 ms.

Waiting longer than the connection's `timeout` gives up on the advisory lock and
leaves the wait to SQLite, which then behaves as before (its busy handler, then
"database is locked"), so nothing ever waits forever on this lock alone.
"""

import fcntl
import os
import threading
import time

from django.db.backends.sqlite3 import base

_process_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def process_lock(path: str) -> threading.Lock:
    with _registry_lock:
        return _process_locks.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_held: tuple[threading.Lock, bool] | None = None

    def _start_transaction_under_autocommit(self):
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer_lock()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None

    def _take_writer_lock(self) -> None:
        if self.is_in_memory_db() or self._writer_held is not None:
            return
        path = f"{self.settings_dict['NAME']}.writer"
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        local = process_lock(path)
        if not local.acquire(timeout=timeout):
            return  # SQLite's own busy handling decides
        flocked = False
        try:
            if self._writer_fd is None:
                self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            pause = 0.0002
            while not flocked:
                try:
                    fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    flocked = True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(pause)
                    pause = min(pause * 2, 0.002)
        except BaseException:
            local.release()
            raise
        self._writer_held = (local, flocked)

    def _release_writer_lock(self) -> None:
        held, self._writer_held = self._writer_held, None
        if held is None:
            return
        local, flocked = held
        if flocked and self._writer_fd is not None:
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
        local.release()
