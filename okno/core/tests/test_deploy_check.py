"""`okno check --deploy` is clean with production settings."""

import os
import subprocess
import sys


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "OKNO_DATA_DIR": str(tmp_path),
        "OKNO_BASE_URL": "https://help.example.com",
        "OKNO_ALLOWED_HOSTS": "help.example.com",
        "OKNO_SECRET_KEY": "k" * 20 + "x9A#b2$Lm0qR7vT4zW1yE6uI3oP8sD5fG",
        "OKNO_DEBUG": "0",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "okno.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_headers_on_every_page(client):
    response = client.get("/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
