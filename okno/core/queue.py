"""Huey on SQLite with the same durability as the main database.

Huey's SQLite storage leaves `synchronous` at SQLite's default (FULL), so every
enqueue (one per ticket event batch) waits for a disk flush of the queue's WAL,
while the tickets themselves are written with `synchronous=NORMAL` (settings.py).
NORMAL in WAL mode never corrupts the file and keeps every committed task through
a crash of the process; only a power loss or OS crash can drop the last few
commits, the same as for the ticket rows they refer to.
"""

from huey import SqliteHuey as _SqliteHuey
from huey.storage import SqliteStorage


class QueueStorage(SqliteStorage):
    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class SqliteHuey(_SqliteHuey):
    storage_class = QueueStorage
