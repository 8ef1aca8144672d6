"""API keys: with keys configured every endpoint but the public ones needs one; CORS as configured."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway import security
from suite.processes import Suite
from tests.security.conftest import UNTHROTTLED, start_suite
from tests.security.helpers import assert_error, multipart

KEY_ONE = "test-key-one-9b1f4c2e7a"
KEY_TWO = "test-key-two-5d3a8e0c61"
ALLOWED_ORIGIN = "https://chat.example.com"
JOB = "0" * 32

PROTECTED = [
    ("POST", "/messages", {"json": {"text": "hi"}}),
    ("POST", "/files", {}),
    ("GET", f"/messages/{JOB}", {}),
    ("GET", f"/messages/{JOB}/events", {}),
    ("GET", "/chat/history", {}),
    ("DELETE", "/chat/clear", {}),
    ("GET", "/chat/profile", {}),
    ("GET", "/config", {}),
    ("GET", "/no/such/route", {}),
    ("POST", "/", {}),
]


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    suite = start_suite(
        tmp_path_factory.mktemp("auth"), API_KEYS=f" {KEY_ONE} ,{KEY_TWO}", CORS_ORIGINS=ALLOWED_ORIGIN, **UNTHROTTLED
    )
    yield suite
    suite.stop()


def _request(base: str, method: str, path: str, kwargs: dict, headers: dict[str, str]) -> httpx.Response:
    if path == "/files" and method == "POST":
        body, ctype = multipart("a.txt", b"hello")
        kwargs = {"content": body}
        headers = {**headers, **ctype}
    return httpx.request(method, base + path, headers=headers, timeout=30, **kwargs)


@pytest.mark.parametrize(("method", "path", "kwargs"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"X-API-Key": "wrong-key"},
        {"Authorization": f"Basic {KEY_ONE}"},
        {"Authorization": f"Bearer {KEY_ONE}x"},
        {"Authorization": f"Bearer {KEY_ONE[:-1]}"},
        {"Authorization": "Bearer"},
        {"X-API-Key": ""},
        {"Authorization": f"Bearer {KEY_ONE},{KEY_TWO}"},
    ],
    ids=["none", "wrong-bearer", "wrong-header", "basic-scheme", "longer", "prefix", "empty-bearer", "empty-header", "joined"],
)
def test_missing_or_wrong_key_is_401(keyed: Suite, method: str, path: str, kwargs: dict, headers: dict[str, str]) -> None:
    response = _request(keyed.base_url, method, path, kwargs, headers)
    assert_error(response, 401, "api key", "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers, "no session is created for an unauthenticated caller"


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY_ONE}"},
        {"Authorization": f"bearer {KEY_TWO}"},
        {"X-API-Key": KEY_ONE},
        {"X-API-Key": KEY_TWO, "Authorization": "Bearer wrong"},
    ],
    ids=["bearer", "bearer-lowercase-second-key", "x-api-key", "one-valid-of-two"],
)
def test_valid_key_is_accepted(keyed: Suite, headers: dict[str, str]) -> None:
    session = {"X-Session-Id": "auth-test-session-1", **headers}
    posted = httpx.post(f"{keyed.base_url}/messages", json={"text": "hi"}, headers=session, timeout=30)
    assert posted.status_code == 202, posted.text
    job_id = posted.json()["job_id"]
    assert httpx.get(f"{keyed.base_url}/messages/{job_id}", headers=session, timeout=30).status_code == 200
    assert httpx.get(f"{keyed.base_url}/chat/history", headers=session, timeout=30).status_code == 200
    body, ctype = multipart("a.txt", b"hello")
    assert httpx.post(f"{keyed.base_url}/files", content=body, headers={**session, **ctype}, timeout=30).status_code == 202


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/", "/index.html", "/favicon.svg", "/docs", "/redoc", "/openapi.json"])
def test_public_paths_need_no_key(keyed: Suite, path: str) -> None:
    response = httpx.get(keyed.base_url + path, timeout=30)
    assert response.status_code == 200, (path, response.status_code)


def test_ui_assets_need_no_key(keyed: Suite) -> None:
    index = httpx.get(keyed.base_url + "/", timeout=30).text
    assets = [part.split('"')[0] for part in index.split('src="')[1:] + index.split('href="')[1:] if part.startswith("/assets/")]
    assert assets, "the built UI references its assets"
    for asset in assets:
        assert httpx.get(keyed.base_url + asset, timeout=30).status_code == 200


def test_openapi_declares_the_key_schemes(keyed: Suite) -> None:
    schema = httpx.get(keyed.base_url + "/openapi.json", timeout=30).json()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert schema["paths"]["/messages"]["post"]["security"] == [{"bearer": []}, {"apiKey": []}]
    assert "security" not in schema["paths"]["/healthz"]["get"]
    assert "401" in schema["paths"]["/messages"]["post"]["responses"]


def test_keys_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every configured key is compared (no early exit), on fixed-length digests."""
    calls: list[tuple[int, int]] = []
    real = security.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    middleware = security.ApiKeyMiddleware(app=None, keys=["first-key", "second-key", "third-key"])
    from starlette.datastructures import Headers

    assert middleware._valid(Headers({"x-api-key": "first-key"}))
    assert len(calls) == 3 and all(c == (32, 32) for c in calls)
    calls.clear()
    assert not middleware._valid(Headers({"authorization": "Bearer " + "x" * 500}))
    assert len(calls) == 3 and all(c == (32, 32) for c in calls)


def test_cors_allows_only_the_configured_origin(keyed: Suite) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    ok = httpx.options(f"{keyed.base_url}/messages", headers={"Origin": ALLOWED_ORIGIN, **preflight}, timeout=30)
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    evil = httpx.options(f"{keyed.base_url}/messages", headers={"Origin": "https://evil.example", **preflight}, timeout=30)
    assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers
    simple = httpx.get(f"{keyed.base_url}/healthz", headers={"Origin": "https://evil.example"}, timeout=30)
    assert "access-control-allow-origin" not in simple.headers


def test_default_is_open_and_same_origin_only(suite: Suite) -> None:
    """No keys configured (the shared suite): no key needed; no CORS headers for any origin."""
    response = httpx.post(
        f"{suite.base_url}/messages", json={"text": "hi"}, headers={"Origin": "https://evil.example"}, timeout=30
    )
    assert response.status_code == 202
    assert "access-control-allow-origin" not in response.headers
    preflight = httpx.options(
        f"{suite.base_url}/messages",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert "access-control-allow-origin" not in preflight.headers
