"""The kept-connection threads' shapes (IMAP IDLE and Telegram polling fill them in;
their own tests run them against Dovecot and the Telegram simulator)."""

import threading
from dataclasses import dataclass

from okno.channels.supervisor import KeptLoop, Supervisor
from okno.tests.waiting import wait_for


@dataclass
class Row:
    pk: int
    setting: str = "a"


class Loop(KeptLoop):
    """Fails its first `failing` sessions, then works until stopped."""

    def __init__(self, row, rows: dict, failing: int = 0):
        super().__init__(row, name=f"test-loop-{row.pk}", backoff=(0.01, 0.05))
        self.rows = rows
        self.failing = failing
        self.errors: list[str] = []
        self.sessions = 0
        self.finished = False

    fingerprint_of = staticmethod(lambda row: row.setting)

    def load(self):
        return self.rows.get(self.row_id)

    def session(self, row):
        self.sessions += 1
        if self.sessions <= self.failing:
            raise ConnectionError(f"down {self.sessions}")
        self.stopping.wait()

    def record_error(self, row, exc):
        self.errors.append(str(exc))

    def finish(self):
        self.finished = True


class Rows(Supervisor):
    def __init__(self, rows: dict):
        super().__init__(name="test-supervisor", rescan=0.01)
        self.rows = rows

    def wanted(self):
        return dict(self.rows)

    def new_loop(self, row):
        return Loop(row, self.rows)


def test_a_failing_session_is_recorded_and_retried_with_backoff(db):
    rows = {1: Row(1)}
    loop = Loop(rows[1], rows, failing=3)
    loop.start()
    assert wait_for(lambda: loop.sessions == 4)
    assert loop.errors == ["down 1", "down 2", "down 3"]
    loop.stop()
    loop.join(2)
    assert not loop.is_alive() and loop.finished


def test_a_loop_ends_when_its_row_goes_away(db):
    rows = {1: Row(1)}
    loop = Loop(rows[1], rows, failing=1000)
    loop.start()
    assert wait_for(lambda: loop.sessions > 0)
    del rows[1]
    loop.join(2)
    assert not loop.is_alive() and loop.finished


def test_the_supervisor_follows_the_rows_and_stops_every_loop(db):
    rows = {1: Row(1), 2: Row(2)}
    supervisor = Rows(rows)
    supervisor.start()
    assert wait_for(lambda: set(supervisor.loops) == {1, 2})
    first = supervisor.loops[1]
    rows[1] = Row(1, setting="b")  # changed: a new loop
    del rows[2]  # gone: stopped
    assert wait_for(lambda: supervisor.loops.get(1) not in (None, first))
    assert wait_for(lambda: 2 not in supervisor.loops)
    rows[3] = Row(3)
    assert wait_for(lambda: 3 in supervisor.loops)
    # Stopping while syncs go on (each may start loops): no loop is left running.
    stopper = threading.Thread(target=supervisor.stop)
    stopper.start()
    stopper.join(5)
    live = [t for t in threading.enumerate() if t.name.startswith("test-loop-")]
    assert not supervisor.is_alive() and live == []
    assert not first.is_alive()
