"""The measurements: each a function of (context) returning result dicts.

In-process ones use Django's test Client (the whole request path: middleware,
view, template) with DEBUG off; the API-create one drives a real `okno web`
process over HTTP with 8 concurrent clients.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import ROOT, percentiles


def timed(fn, runs: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    reset_queries()  # a full query log (it keeps 9000) would hide the new ones
    with CaptureQueriesContext(connection) as queries:
        fn()
    return {**percentiles(samples), "queries": len(queries), "runs": runs}


def get_ok(client: Client, url: str, **headers):
    def run():
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return run


def agent_client(ctx) -> Client:
    client = Client()
    client.force_login(ctx["agent"])
    return client


def bench_ticket_list(ctx):
    client = agent_client(ctx)
    for view in ("open", "all"):
        yield {"view": view, **timed(get_ok(client, f"/tickets/?view={view}"), ctx["runs"])}


def bench_api_list(ctx):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {ctx['token']}"}
    yield timed(get_ok(client, "/api/v1/tickets?view=open&limit=50", **auth), ctx["runs"])


def bench_ticket_page(ctx):
    client = agent_client(ctx)
    url = f"/tickets/{ctx['long_ticket']}/"
    yield {"messages": 30, **timed(get_ok(client, url), ctx["runs"])}


SEARCHES = {
    "rare_cyrillic": "зюзюка",
    "common_cyrillic": "принтер",
    "rare_latin": "xylograph",
    "common_latin": "invoice",
}


def bench_search(ctx):
    client = agent_client(ctx)
    for name, word in SEARCHES.items():
        url = f"/tickets/?view=all&q={word}"
        yield {"query": name, "word": word, **timed(get_ok(client, url), ctx["runs"])}


def bench_view_counts(ctx):
    from okno.tickets.selectors import view_counts

    yield timed(lambda: view_counts(ctx["agent"]), ctx["runs"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("okno web exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("okno web did not start")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        return 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def bench_api_create(ctx, clients: int = 8, per_client: int = 40, warmup: int = 3):
    """Tickets/s and latency of POST /api/v1/tickets from 8 concurrent clients.

    Also the server's CPU time per ticket (web processes only), which says more than
    the rate when other work shares the machine. OKNO_BENCH_WORKERS overrides the
    number of web processes (default: one per CPU)."""
    port = _free_port()
    env = {**os.environ, "OKNO_LOG_LEVEL": "ERROR"}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    # One process per CPU, as deployed: a Django process serves one request at a time.
    workers = os.environ.get("OKNO_BENCH_WORKERS") or str(os.cpu_count() or 1)
    web = subprocess.Popen(
        [sys.executable, "-m", "okno.cli", "web", "--port", str(port), "--workers", workers],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, web)
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def post(conn, index: int, i: int) -> tuple[int, float]:
            body = json.dumps(
                {
                    "subject": f"Bench request {index}-{i}",
                    "body": "Принтер не печатает, помогите пожалуйста.",
                    "contact": {"email": f"api{index}-{i}@bench.example"},
                    "group": "Bench group 0",
                }
            )
            began = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/tickets",
                body=body,
                headers={
                    "Authorization": f"Token {ctx['token']}",
                    "Content-Type": "application/json",
                },
            )
            response = conn.getresponse()
            response.read()
            return response.status, (time.perf_counter() - began) * 1000

        # Warm-up, not timed: each process loads its lemmatizer dictionaries and
        # imports lazily on its first requests; the target is the steady rate.
        start = threading.Barrier(clients + 1)

        def client(index: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for i in range(warmup):
                post(conn, index, -1 - i)
            start.wait()
            for i in range(per_client):
                status, elapsed = post(conn, index, i)
                with lock:
                    if status == 201:
                        latencies.append(elapsed)
                    else:
                        failures.append(status)
            conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        start.wait()
        cpu_before = _cpu_seconds(web.pid)
        began = time.perf_counter()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - began
        cpu = _cpu_seconds(web.pid) - cpu_before
        if not latencies:
            raise RuntimeError(f"no ticket created: {sorted(set(failures))}")
        result = {
            "clients": clients,
            "workers": int(workers),
            "created": len(latencies),
            "failed": len(failures),
            "failed_statuses": sorted(set(failures)),
            "tickets_per_s": round(len(latencies) / seconds, 1),
            **percentiles(latencies),
            "server_cpu_ms_per_ticket": round(cpu * 1000 / len(latencies), 1),
        }
        if failures:  # the server's last error line says why
            log.seek(0)
            lines = [x for x in log.read().decode(errors="replace").splitlines() if x.strip()]
            errors = [x for x in lines if re.match(r"^[\w.]+(Error|Exception): ", x)]
            result["error_sample"] = (errors or lines or [""])[-1][:300]
        yield result
    finally:
        web.terminate()
        try:
            web.wait(timeout=10)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()


MEASUREMENTS = [
    ("ticket_list", bench_ticket_list),
    ("api_list", bench_api_list),
    ("ticket_page", bench_ticket_page),
    ("search", bench_search),
    ("view_counts", bench_view_counts),
    ("api_create", bench_api_create),
]
