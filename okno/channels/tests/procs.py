"""Running `okno` subprocesses against the test database."""

import os

from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def okno_env(tmp_path, url: str | None = None) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url or database_url(),
        "OKNO_DATA_DIR": str(tmp_path / "data"),
        "OKNO_QUEUE_IMMEDIATE": "1",
    }
