"""The scaled-out mode end to end: `okno web` and `okno worker` as separate processes
on PostgreSQL + Redis.

A ticket created over HTTP by the web process queues its events in Redis; only
when a worker process starts does the queue drain and the real-time fan-out
reach a channels_redis subscriber. Runs in the PostgreSQL pass of the suite.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from okno.accounts.models import ApiToken
from okno.core.realtime import LIST_GROUP

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("OKNO_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
WAIT = 30  # seconds for a process to start or an event to arrive


@pytest.fixture
def scaled_env(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the scaled-out mode needs PostgreSQL: runs in the PostgreSQL pass")
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {k: v for k, v in os.environ.items() if k != "OKNO_QUEUE_IMMEDIATE"}
    env.update(
        # The test database, so the processes see what the test committed.
        DATABASE_URL=f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=REDIS_URL,
        OKNO_QUEUE_NAME=f"okno-test-{uuid.uuid4().hex[:12]}",
        OKNO_DATA_DIR=str(tmp_path),
        OKNO_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture
def processes(scaled_env, tmp_path):
    """Start `okno <command>` subprocesses (output to a log file); all killed at the end."""
    started = []

    def start(*args):
        log = open(tmp_path / f"{args[0]}.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-m", "okno.cli", *args],
            cwd=ROOT,
            env=scaled_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: uvicorn's workers go with it
        )
        process.log_path = log.name
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        # Killing `okno web` alone would orphan its worker processes, which keep their
        # database connections (and the PostgreSQL test database could not be dropped).
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"okno web exited: {Path(process.log_path).read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("okno web did not start listening")


def api_create_ticket(port: int, key: str, group: str) -> dict:
    body = json.dumps(
        {
            "subject": "Сканер не работает",
            "body": "Scaled-out check",
            "contact": {"email": "scaled@acme.test", "name": "Scaled Customer"},
            "group": group,
        }
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/tickets",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        assert response.status == 201
        return json.loads(response.read())


def queue(env):
    from huey import PriorityRedisHuey

    return PriorityRedisHuey(env["OKNO_QUEUE_NAME"], url=env["REDIS_URL"])


def test_web_queues_events_in_redis_and_a_worker_process_fans_them_out(
    world, scaled_env, processes
):
    from channels_redis.core import RedisChannelLayer
    from redis.exceptions import TimeoutError as RedisTimeout

    huey = queue(scaled_env)
    layer = RedisChannelLayer(hosts=[REDIS_URL], prefix=scaled_env["OKNO_QUEUE_NAME"])
    _token, key = ApiToken.issue(user=world.agent_a, name="scaled-out test")
    port = free_port()
    web = processes("web", "--port", str(port))
    wait_for_port(port, web)

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(LIST_GROUP, channel)
        created = await asyncio.to_thread(api_create_ticket, port, key, world.group_a.name)
        # No worker yet: the web process queued the events in Redis and moved on.
        pending_before = huey.pending_count()
        worker = processes("worker", "--workers", "2")
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=WAIT)
        except (TimeoutError, RedisTimeout):  # redis re-raises the cancelled read as its own
            raise AssertionError(f"no fan-out; worker log:\n{Path(worker.log_path).read_text()}")
        await layer.flush()
        return created, pending_before, message

    try:
        created, pending_before, message = asyncio.run(scenario())
        assert pending_before >= 1
        assert message["payload"]["type"] == "ticket.changed"
        assert message["payload"]["ticket"] == created["id"]
        assert {"created", "message"} <= set(message["payload"]["kinds"])
        deadline = time.monotonic() + WAIT
        while huey.pending_count() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert huey.pending_count() == 0
        assert web.poll() is None  # the web process is still serving
    finally:
        huey.flush()
