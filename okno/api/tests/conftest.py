"""An API client speaking JSON with a persona's token."""

import json

import pytest
from django.test import Client

from okno.accounts.models import ApiToken


class ApiClient:
    def __init__(self, key: str | None = None):
        self.client = Client()
        self.headers = {"Authorization": f"Token {key}"} if key else {}

    def _send(self, method, path, data=None, **extra):
        kwargs = {"headers": {**self.headers, **extra.pop("headers", {})}, **extra}
        if data is not None:
            kwargs.setdefault("content_type", "application/json")
            if kwargs["content_type"] == "application/json" and not isinstance(data, str | bytes):
                data = json.dumps(data)
            kwargs["data"] = data
        return getattr(self.client, method)("/api/v1" + path, **kwargs)

    def get(self, path, params=None, **extra):
        return self.client.get(
            "/api/v1" + path, params or {}, headers={**self.headers, **extra.pop("headers", {})}
        )

    def post(self, path, data=None, **extra):
        return self._send("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._send("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self._send("delete", path, **extra)


@pytest.fixture
def api_as():
    """api_as(principal) -> a client with a fresh token of that staff user or contact."""

    def make(principal=None):
        if principal is None:
            return ApiClient()
        from okno.contacts.models import Contact

        if isinstance(principal, Contact):
            _token, key = ApiToken.issue(contact=principal, name="test")
        else:
            _token, key = ApiToken.issue(user=principal, name="test")
        return ApiClient(key)

    return make
