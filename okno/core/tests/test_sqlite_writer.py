"""The SQLite backend's writer lock (okno/core/sqlite/base.py) is held exactly for a
write transaction and handed on at COMMIT, ROLLBACK or close. Runs on a scratch
SQLite file of its own, so it means the same in the PostgreSQL pass."""

import fcntl
import os
import threading

import pytest

from okno.core.sqlite.base import DatabaseWrapper, process_lock


def _connection(path) -> DatabaseWrapper:
    return DatabaseWrapper(
        {
            "NAME": str(path),
            "OPTIONS": {"timeout": 5, "transaction_mode": "IMMEDIATE"},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias="writer-test",
    )


def _free(path) -> bool:
    """Nobody holds the lock: neither a thread of this process nor any process."""
    lock_file = f"{path}.writer"
    if process_lock(lock_file).locked():
        return False
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


class _atomic:
    """A write transaction on a connection outside django.db.connections."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.conn.set_autocommit(True)
        return False


@pytest.fixture
def database(tmp_path, django_db_blocker):
    path = tmp_path / "writer.sqlite3"
    with django_db_blocker.unblock():
        setup = _connection(path)
        with setup.cursor() as cursor:
            cursor.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
        setup.close()
        yield path


def test_held_during_a_write_transaction_and_released_at_commit(database):
    conn = _connection(database)
    with _atomic(conn):
        conn.cursor().execute("INSERT INTO item (name) VALUES ('a')")
        assert not _free(database)
    assert _free(database)
    conn.close()


def test_released_at_rollback_and_at_close(database):
    conn = _connection(database)
    with pytest.raises(RuntimeError), _atomic(conn):
        conn.cursor().execute("INSERT INTO item (name) VALUES ('b')")
        raise RuntimeError("undo")
    assert _free(database)
    # A transaction left open ends with its connection.
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert not _free(database)
    conn.close()
    assert _free(database)


def test_writers_of_two_threads_take_turns(database):
    inside, order = threading.Event(), []

    def first():
        conn = _connection(database)
        with _atomic(conn):
            conn.cursor().execute("INSERT INTO item (name) VALUES ('first')")
            inside.set()
            threading.Event().wait(0.2)
            order.append("first done")
        conn.close()

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    second = _connection(database)
    with _atomic(second):
        order.append("second in")
        second.cursor().execute("INSERT INTO item (name) VALUES ('second')")
    thread.join(5)
    assert order == ["first done", "second in"]
    with second.cursor() as cursor:
        cursor.execute("SELECT name FROM item ORDER BY id")
        assert [r[0] for r in cursor.fetchall()] == ["first", "second"]
    second.close()
