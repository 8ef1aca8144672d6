"""Users of an AUTH_MODE=accounts suite, as a browser (cookies, the CSRF header on writes) or
as an API client (a Bearer key)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from suite.processes import Suite

PASSWORD = "correct horse battery staple 42"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


class BrowserClient(httpx.Client):
    """An httpx client that sends X-CSRF-Token from the chat_csrf cookie on writes, as the UI does."""

    def request(self, method: str, url, **kwargs):  # type: ignore[no-untyped-def, override]
        token = self.cookies.get("chat_csrf")
        if method.upper() in UNSAFE and token:
            kwargs["headers"] = {"X-CSRF-Token": token, **(kwargs.get("headers") or {})}
        return super().request(method, url, **kwargs)


def browser(suite: Suite) -> BrowserClient:
    return BrowserClient(base_url=suite.base_url, timeout=30)


@contextmanager
def signed_up(suite: Suite, email: str | None = None, password: str = PASSWORD) -> Iterator[BrowserClient]:
    with browser(suite) as client:
        response = client.post("/auth/signup", json={"email": email or new_email(), "password": password})
        assert response.status_code == 201, response.text
        yield client


def api_key(client: httpx.Client, name: str = "test") -> str:
    response = client.post("/auth/api-keys", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


@contextmanager
def key_client(suite: Suite, secret: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=suite.base_url, timeout=30, headers={"Authorization": f"Bearer {secret}"}) as client:
        yield client
