"""HTTPS to a pinned address: the connection goes to the checked IP while TLS sends
the URL's host name (SNI) and verifies the certificate against it."""

import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from okno.webhooks import client


def make_cert(tmp_path, name: str):
    key, cert = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_receiver(tmp_path):
    cert, key = make_cert(tmp_path, "hooks.test")
    seen = {"sni": [], "hosts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen["hosts"].append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    # shutdown() waits for serve_forever's next poll: 0.5 s by default.
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    yield server.server_address[1], cert, seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooks_test_is_loopback(monkeypatch):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "hooks.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_sni_and_host_name_are_the_urls(tls_receiver, hooks_test_is_loopback, monkeypatch):
    port, cert, seen = tls_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test's own certificate
    answer = client.post(f"https://hooks.test:{port}/x", b"{}", {}, allow_hosts=["hooks.test"])
    assert answer.status == 204
    assert seen["sni"] == ["hooks.test"] and seen["hosts"] == [f"hooks.test:{port}"]


def test_an_untrusted_certificate_is_refused(tls_receiver, hooks_test_is_loopback):
    port, _cert, seen = tls_receiver
    with pytest.raises(client.SendError) as error:
        client.post(f"https://hooks.test:{port}/x", b"{}", {}, allow_hosts=["hooks.test"])
    assert "TLS" in error.value.message and not error.value.refused
    assert seen["hosts"] == []


def test_a_certificate_for_another_name_is_refused(tls_receiver, monkeypatch):
    port, cert, seen = tls_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    # 127.0.0.1 is allowed, but the certificate names hooks.test only.
    with pytest.raises(client.SendError):
        client.post(f"https://127.0.0.1:{port}/x", b"{}", {}, allow_hosts=["127.0.0.1"])
    assert seen["hosts"] == []
