"""The documented command-line contract (DESIGN.md: stable public contract)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from okno.accounts.models import ApiToken, Role, User


def test_createadmin_takes_password_from_environment(db, monkeypatch):
    monkeypatch.setenv("OKNO_ADMIN_PASSWORD", "a-strong-password")
    call_command("createadmin", "--email", "Boss@Example.com", stdout=StringIO())
    user = User.objects.get(email="boss@example.com")
    assert user.role == Role.ADMIN and user.check_password("a-strong-password")


def test_createadmin_without_password_and_terminal_fails_clearly(db, monkeypatch):
    monkeypatch.delenv("OKNO_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(os, "isatty", lambda fd: False)
    with pytest.raises(CommandError, match="OKNO_ADMIN_PASSWORD"):
        call_command("createadmin", "--email", "boss@example.com")


def test_token_create_for_staff_and_contact(world):
    out = StringIO()
    call_command("token", "create", world.agent_a.email, stdout=out)
    key = out.getvalue().strip()
    assert ApiToken.objects.for_key(key).get().user == world.agent_a
    out = StringIO()
    call_command("token", "create", "IVAN@acme.test", stdout=out)
    assert ApiToken.objects.for_key(out.getvalue().strip()).get().contact == world.customer_acme
    with pytest.raises(CommandError):
        call_command("token", "create", "nobody@nowhere.test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_okno_run_serves_on_the_given_port_with_its_own_data_dir(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["OKNO_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "okno.cli",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-demo",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and status is None and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=15) as r:
                    status = r.status
            except OSError:
                time.sleep(0.3)
        if status != 200:
            proc.terminate()
            pytest.fail(
                "okno run did not serve:\n"
                + proc.communicate(timeout=20)[0].decode(errors="replace")
            )
        assert (tmp_path / "okno.sqlite3").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
