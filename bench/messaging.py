"""Messenger intake benchmark (issue 8): how many webhook messages per second Okno
acknowledges (verified, stored raw, queued), and how many per second the worker turns
into tickets and messages.

    python bench/messaging.py            3,000 messages from 300 chats, SQLite and PostgreSQL
    python bench/messaging.py --quick    1,000 messages
    python bench/messaging.py --smoke    100 messages (does it start)

Intake: `okno web` in a subprocess (one process, as `okno run` serves, and one per
CPU), 8 client threads posting one signed custom-channel webhook per message over
keep-alive connections, no worker running. Processing: then `okno worker` drains the
queue; timed until every envelope is processed.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    PG_ADMIN_URL,
    ROOT,
    django_setup_and_migrate,
    emit,
    log,
    percentiles,
    pg_reachable,
    run_in_sandbox,
)
from bench.measure import _free_port, _wait_for_port  # noqa: E402

PG_DB = "okno_bench_messaging"
CLIENTS = 8


def _bodies(connector, count: int, chats: int, offset: int) -> list[tuple[bytes, dict]]:
    from okno.channels.messengers.custom import signed_headers

    out = []
    for i in range(offset, offset + count):
        chat = i % chats
        payload = {
            "messages": [
                {
                    "id": f"bench-{i}",
                    "chat_id": f"chat-{chat}",
                    "user": {"id": f"user-{chat}", "name": f"Visitor {chat}"},
                    "text": f"Сообщение {i}: принтер снова не печатает, помогите пожалуйста.",
                }
            ]
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", **signed_headers(connector.secret, body)}
        out.append((body, headers))
    return out


def _post_all(port: int, path: str, bodies) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    shares = [bodies[i::CLIENTS] for i in range(CLIENTS)]

    def client(share) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for body, headers in share:
            began = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                (latencies if response.status == 200 else failures).append(
                    elapsed if response.status == 200 else response.status
                )
        conn.close()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures, time.perf_counter() - began


def _serve(workers: int):
    port = _free_port()
    logfile = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller
    command = [sys.executable, "-m", "okno.cli", "web", "--port", str(port)]
    web = subprocess.Popen(
        [*command, "--workers", str(workers)],
        cwd=ROOT,
        env={**os.environ, "OKNO_LOG_LEVEL": "ERROR"},
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )
    _wait_for_port(port, web)
    return web, port, logfile


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's workers), from
    /proc: the steadier figure on a shared machine. 0 where /proc is missing."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total + sum(_cpu_seconds(int(child)) for child in children)


def _stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def child(db: str, count: int, chats: int, intake_only=False) -> None:
    django_setup_and_migrate()
    from okno.accounts.models import Group
    from okno.channels.models import Connector, EnvelopeState, InboundEnvelope

    group = Group.objects.create(name="Bench chat")
    connector = Connector.objects.create(kind="custom", name="Bench app", group=group)
    path = f"/hooks/custom/{connector.key}/"
    offset = 0
    for workers in sorted({1, os.cpu_count() or 1}):
        bodies = _bodies(connector, count, chats, offset)
        offset += count
        web, port, logfile = _serve(workers)
        try:
            _post_all(port, path, _bodies(connector, 50, chats, 10_000_000 + offset))  # warm-up
            cpu = _cpu_seconds(web.pid)
            latencies, failures, seconds = _post_all(port, path, bodies)
            cpu = _cpu_seconds(web.pid) - cpu
        finally:
            _stop(web)
            logfile.close()
        emit(
            {
                "bench": "messenger_intake",
                "db": db,
                "web_processes": workers,
                "clients": CLIENTS,
                "messages": count,
                "acknowledged": len(latencies),
                "failed": len(failures),
                "messages_per_s": round(len(latencies) / seconds, 1),
                **percentiles(latencies),
                "web_cpu_ms_per_message": round(cpu * 1000 / count, 2),
            }
        )
    if intake_only:
        return
    waiting = InboundEnvelope.objects.filter(state=EnvelopeState.RECEIVED).count()
    worker = subprocess.Popen(
        [sys.executable, "-m", "okno.cli", "worker", "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, "OKNO_LOG_LEVEL": "ERROR"},
    )
    from huey.contrib.djhuey import HUEY

    began = time.perf_counter()
    seconds = settled = first = None
    worker_cpu = 0.0
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if seconds is None:
                left = InboundEnvelope.objects.filter(state=EnvelopeState.RECEIVED).count()
                if first is None and left < waiting:
                    first = time.perf_counter() - began  # the worker is up and at work
                if left == 0:
                    seconds = time.perf_counter() - began
            # Then the ticket events' handlers (SLA, reports, notifications, ...). Note:
            # a task still running when the queue empties is not waited for.
            if seconds is not None and HUEY.pending_count() == 0:
                settled = time.perf_counter() - began
                worker_cpu = _cpu_seconds(worker.pid)
                break
            time.sleep(0.2)
    finally:
        _stop(worker)
    states = {
        state: InboundEnvelope.objects.filter(state=state).count()
        for state in (EnvelopeState.PROCESSED, EnvelopeState.FAILED, EnvelopeState.RECEIVED)
    }
    emit(
        {
            "bench": "messenger_processing",
            "db": db,
            "worker_threads": 2,
            "messages": waiting,
            "processed": states[EnvelopeState.PROCESSED],
            "failed": states[EnvelopeState.FAILED],
            "left": states[EnvelopeState.RECEIVED],
            "messages_per_s": round(waiting / seconds, 1) if seconds else None,
            # Until the queue is empty: every handler of the messages' events done too.
            "with_event_handlers_per_s": round(waiting / settled, 1) if settled else None,
            # From the first processed message on: the worker's start-up (Django, the
            # queue) left out; the lemmatizer's first load is still in.
            "once_started_per_s": (
                round(waiting / (settled - first), 1) if settled and first is not None else None
            ),
            # Start-up (Django, the lemmatizer's dictionaries) included.
            "worker_cpu_ms_per_message": round(worker_cpu * 1000 / waiting, 2) if waiting else None,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 messages")
    parser.add_argument("--smoke", action="store_true", help="100 messages")
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--messages", type=int)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--intake-only", action="store_true", help="no processing run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = args.messages or (100 if args.smoke else 1_000 if args.quick else 3_000)
    if args.child:
        child(args.db[0], count, min(args.chats, count), args.intake_only)
        return 0
    databases = args.db or ["sqlite", "postgres"]
    if "postgres" in databases and not pg_reachable():
        emit({"bench": "skipped", "db": "postgres", "reason": f"not reachable at {PG_ADMIN_URL}"})
        databases = [d for d in databases if d != "postgres"]
    failed = 0
    for db in databases:
        log(f"== {db}, {count} messages")
        command = [sys.executable, __file__, "--child", "--db", db, "--messages", str(count)]
        command += ["--chats", str(args.chats)]
        if args.intake_only:
            command.append("--intake-only")
        failed += run_in_sandbox(command, name="messaging", db=db, pg_db=PG_DB) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
