"""Security headers on the served UI and the API; SSE still streams through the header layer."""

from __future__ import annotations

import httpx
import pytest

from suite.processes import Suite
from tests.security.helpers import upload


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_common(response: httpx.Response) -> dict[str, list[str]]:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    policy = response.headers["permissions-policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy
    return _directives(response.headers["content-security-policy"])


@pytest.mark.parametrize("path", ["/", "/index.html", "/favicon.svg", "/healthz", "/config", "/chat/history", "/no/such/page"])
def test_ui_and_api_have_strict_headers(client: httpx.Client, path: str) -> None:
    csp = assert_common(client.get(path))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"], "no inline or remote script"
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert set(csp["img-src"]) == {"'self'", "data:", "blob:"}
    assert "'unsafe-inline'" not in csp["default-src"]


def test_built_ui_has_no_inline_script(client: httpx.Client) -> None:
    """The strict CSP above only works because the Vite build has no inline script."""
    html = client.get("/").text
    for tag in html.split("<script")[1:]:
        assert 'src="' in tag.split(">")[0], "an inline <script> would be blocked by the CSP"


def test_error_and_post_responses_have_headers(client: httpx.Client) -> None:
    assert_common(client.post("/messages", json={"text": ""}))
    assert_common(client.post("/messages", json={"text": "hi"}))
    assert_common(client.post("/messages", content=b"x", headers={"content-type": "text/plain"}))
    assert_common(upload(client, "a.exe.txt", b"MZ\x90\x00" + b"\x00" * 60))


def test_api_responses_are_not_cached(client: httpx.Client) -> None:
    for path in ("/chat/history", "/config", "/messages/" + "0" * 32):
        assert client.get(path).headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/favicon.svg").headers.get("cache-control", "")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_csp_is_relaxed_only_for_its_cdn(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and "cdn.jsdelivr.net" in response.text
    csp = assert_common(response)
    assert "https://cdn.jsdelivr.net" in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["connect-src"] == ["'self'"]


def test_sse_streams_with_headers(client: httpx.Client) -> None:
    job_id = client.post("/messages", json={"text": "stream this"}).json()["job_id"]
    events = 0
    with client.stream("GET", f"/messages/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert_common(response)
        for line in response.iter_lines():
            if line.startswith("event:"):
                events += 1
            if line.startswith("data:") and '"status": "done"' in line:
                break
    assert events >= 2


def test_no_hsts_without_https(client: httpx.Client) -> None:
    assert "strict-transport-security" not in client.get("/healthz").headers


def test_server_does_not_advertise_itself(suite: Suite) -> None:
    assert "server" not in httpx.get(f"{suite.base_url}/healthz").headers
