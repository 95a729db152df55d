"""A local stand-in for a provider's HTTP API, for tests of the real client code.

Each provider's simulator subclasses `Simulator` and answers its API paths in
`handle`; tests point a connector's base_url at `simulator.url`. Every request is
recorded; `fail_next` makes the next calls answer an error (rate limits, outages,
blocked users) the way the provider would.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body or b"{}")


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict | list = b""
    headers: dict = field(default_factory=dict)


class Simulator:
    def __init__(self):
        self.calls: list[Call] = []
        self.failures: list[Reply] = []
        self.lock = threading.Lock()
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(self.command, self.path, dict(self.headers), self.rfile.read(length))
                with simulator.lock:
                    simulator.calls.append(call)
                    failure = simulator.failures.pop(0) if simulator.failures else None
                reply = failure or simulator.handle(call) or Reply(404, {"error": "no route"})
                body = reply.body
                headers = dict(reply.headers)
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                    headers.setdefault("Content-Type", "application/json")
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for serve_forever's next poll: 0.5 s by default, per test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def handle(self, call: Call) -> Reply | None:
        raise NotImplementedError

    def fail_next(self, *replies: Reply) -> None:
        with self.lock:
            self.failures.extend(replies)

    def calls_to(self, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.path.split("?")[0].endswith(suffix)]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
