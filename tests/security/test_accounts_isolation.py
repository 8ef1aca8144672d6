"""Isolation between two real users, over every route of the API, by cookie and by API key.

User A has a conversation with a finished message (that taught the profile a fact), a
finished file and an API key. User B tries every route with A's ids: each answers 404, as for
an id that does not exist, and nothing of A's shows up in B's lists, searches or streams.
The matrix is checked against the OpenAPI document, so a new route must join it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from suite.processes import Suite
from tests.security.accounts import PASSWORD, BrowserClient, api_key, browser, key_client, new_email
from tests.security.helpers import upload, wait_done

SECRET_WORDS = ("Zenobia", "Valparaiso", "private-ledger")

# (method, path): what user B sends, with A's ids filled in. Each must be a 404.
BY_ID = [
    ("GET", "/conversations/{c}", None),
    ("PATCH", "/conversations/{c}", {"title": "taken"}),
    ("DELETE", "/conversations/{c}", None),
    ("GET", "/conversations/{c}/messages", None),
    ("POST", "/conversations/{c}/messages", {"text": "hi"}),
    ("POST", "/conversations/{c}/files", "upload"),
    ("GET", "/conversations/{c}/export", None),
    ("GET", "/messages/{m}", None),
    ("GET", "/messages/{m}/events", None),
    ("PATCH", "/messages/{m}", {"text": "mine now"}),
    ("POST", "/messages/{m}/stop", None),
    ("POST", "/messages/{m}/regenerate", None),
    ("POST", "/messages/{m}/select", None),
    ("DELETE", "/auth/api-keys/{k}", None),
]
# Routes that take no id: B's answer must hold nothing of A's (and A's data must not change).
OWN_ONLY = [
    ("GET", "/conversations", None),
    ("GET", "/conversations?q=Valparaiso", None),
    ("POST", "/conversations", {"title": "B's own"}),
    ("POST", "/conversations/import", "import"),
    ("POST", "/messages", {"text": "B's message"}),
    ("POST", "/files", "upload"),
    ("GET", "/chat/history", None),
    ("GET", "/chat/profile", None),
    ("DELETE", "/chat/clear", None),
    ("GET", "/profile", None),
    ("PATCH", "/profile/facts/{f}", {"value": "B's value"}),
    ("DELETE", "/profile/facts/{f}", None),
    ("GET", "/auth/me", None),
    ("GET", "/auth/api-keys", None),
    ("POST", "/auth/api-keys", {"name": "B's key"}),
]
# Routes that hold no one's data, or act only on the caller's own account or session.
NO_OWNER_DATA = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/config"),
    ("GET", "/auth/config"),
    ("POST", "/auth/signup"),
    ("POST", "/auth/login"),
    ("POST", "/auth/logout"),
    ("DELETE", "/auth/me"),  # erases the caller: tests/security/test_accounts.py
    ("GET", "/auth/oidc/{provider}/login"),
    ("GET", "/auth/oidc/{provider}/callback"),
}


def _template(path: str) -> str:
    """/conversations/{c}/messages -> /conversations/{conversation_id}/messages, as OpenAPI names it."""
    names = {"{c}": "{conversation_id}", "{m}": "{job_id}", "{k}": "{key_id}", "{f}": "{key}"}
    path = path.split("?", 1)[0]
    for short, long in names.items():
        path = path.replace(short, long)
    return path


@pytest.fixture(scope="module")
def user_a(accounts_suite: Suite) -> Iterator[dict]:
    with browser(accounts_suite) as a:
        assert a.post("/auth/signup", json={"email": new_email("a"), "password": PASSWORD}).status_code == 201
        sent = a.post("/messages", json={"text": "My name is Zenobia and I live in Valparaiso."})
        assert sent.status_code == 202, sent.text
        filed = upload(a, "private-ledger.txt", b"private-ledger: 42 coins\n", **{"X-CSRF-Token": a.cookies["chat_csrf"]})
        assert filed.status_code == 202, filed.text
        jobs = [sent.json()["job_id"], filed.json()["job_id"]]
        for job_id in jobs:
            assert wait_done(a, job_id)["status"] == "done"
        conversation = a.get(f"/messages/{jobs[0]}").json()["job"]["conversation_id"]
        secret = api_key(a, "A's key")
        key_id = a.get("/auth/api-keys").json()["items"][0]["id"]
        facts = a.get("/profile").json()["profile"]["facts"]
        assert any("valparaiso" in f["value"].lower() for f in facts), facts  # the positive control
        yield {"client": a, "jobs": jobs, "conversation": conversation, "key_id": key_id, "secret": secret, "facts": facts}


@pytest.fixture(scope="module", params=["cookie", "api-key"])
def user_b(request: pytest.FixtureRequest, accounts_suite: Suite) -> Iterator[httpx.Client]:
    with browser(accounts_suite) as b:
        assert b.post("/auth/signup", json={"email": new_email("b"), "password": PASSWORD}).status_code == 201
        if request.param == "cookie":
            yield b
        else:
            with key_client(accounts_suite, api_key(b)) as api:
                yield api


def _send(client: httpx.Client, method: str, path: str, body: object, a: dict) -> httpx.Response:
    url = path.format(c=a["conversation"], m=a["jobs"][0], k=a["key_id"], f="location")
    if body == "upload":
        return client.post(url, files={"file": ("b.txt", b"B's file\n", "text/plain")})
    if body == "import":
        export = {"messages": [{"id": "m1", "text": "B's import", "result": {"reply": "ok"}}]}
        return client.post(url, json=export)
    return client.request(method, url, json=body)


def _assert_nothing_of_a(response: httpx.Response) -> None:
    for word in SECRET_WORDS:
        assert word.lower() not in response.text.lower(), (response.request.method, response.request.url, response.text[:300])


def test_the_matrix_covers_every_route_of_the_api(accounts_suite: Suite) -> None:
    with httpx.Client(base_url=accounts_suite.base_url) as client:
        paths = client.get("/openapi.json").json()["paths"]
    documented = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    covered = {(m, _template(p)) for m, p, _ in BY_ID + OWN_ONLY} | NO_OWNER_DATA
    assert documented - covered == set(), "routes missing from the isolation matrix"


@pytest.mark.parametrize(("method", "path", "body"), BY_ID, ids=[f"{m} {p}" for m, p, _ in BY_ID])
def test_another_users_ids_are_404(user_a: dict, user_b: httpx.Client, method: str, path: str, body: object) -> None:
    response = _send(user_b, method, path, body, user_a)
    # A key cannot manage keys at all: refused before any id is looked at, so nothing is confirmed.
    expected = 403 if path.startswith("/auth/api-keys") and "Authorization" in user_b.headers else 404
    assert response.status_code == expected, (method, path, response.status_code, response.text[:300])
    assert response.json()["success"] is False
    _assert_nothing_of_a(response)


@pytest.mark.parametrize(("method", "path", "body"), OWN_ONLY, ids=[f"{m} {p}" for m, p, _ in OWN_ONLY])
def test_routes_without_ids_show_and_change_only_the_callers_own(
    user_a: dict, user_b: httpx.Client, method: str, path: str, body: object
) -> None:
    response = _send(user_b, method, path, body, user_a)
    if path == "/auth/api-keys" and method == "POST" and "Authorization" in user_b.headers:
        assert response.status_code == 403  # a key cannot make keys
    else:
        assert response.status_code < 400 or response.status_code == 404, (method, path, response.text[:300])
    _assert_nothing_of_a(response)


def test_user_a_is_untouched_after_everything_b_tried(accounts_suite: Suite, user_a: dict, user_b: httpx.Client) -> None:
    a: BrowserClient = user_a["client"]
    for method, path, body in BY_ID + OWN_ONLY:  # B tries everything again, then A looks
        _send(user_b, method, path, body, user_a)
    assert a.get(f"/conversations/{user_a['conversation']}").json()["conversation"]["title"] != "taken"
    assert [j["id"] for j in a.get("/chat/history").json()["items"]] == user_a["jobs"]
    assert a.get("/profile").json()["profile"]["facts"] == user_a["facts"]
    assert [k["id"] for k in a.get("/auth/api-keys").json()["items"]] == [user_a["key_id"]]
    hits = a.get("/conversations", params={"q": "Valparaiso"}).json()["items"]
    assert [c["id"] for c in hits] == [user_a["conversation"]]
    with key_client(accounts_suite, user_a["secret"]) as api:
        assert api.get(f"/messages/{user_a['jobs'][0]}").status_code == 200  # A's key still works
