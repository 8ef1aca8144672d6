"""Security headers on the served UI and the API; SSE still streams through the header layer."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.security import DOCS_ASSETS, UI_CSP
from gateway.settings import GatewaySettings
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


ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', html)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_load_only_local_assets(client: httpx.Client, path: str) -> None:
    """/docs and /redoc work with no network: every script, style and icon is the gateway's own."""
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"https?:|//[a-z0-9]", html, re.IGNORECASE), "no URL to another host"
    urls = _asset_urls(html)
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".png") for u in urls), urls
    for url in urls:
        assert url.startswith(DOCS_ASSETS + "/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = ASSET_TYPES[url[url.rindex(".") :]]
        assert asset.headers["content-type"].startswith(expected), (url, asset.headers["content-type"])
        assert len(asset.content) > 0
    spec = "/openapi.json"
    assert spec in html and client.get(spec).status_code == 200


def test_swagger_ui_is_started_by_a_script_file(client: httpx.Client) -> None:
    """Every <script> of /docs is a file or a JSON data block (never run): no inline script."""
    html = client.get("/docs").text
    tags = re.findall(r"<script([^>]*)>", html)
    assert len(tags) == 3, tags
    for attributes in tags:
        assert 'src="' in attributes or 'type="application/json"' in attributes, attributes
    assert 'src="/docs-assets/swagger-init.js"' in html


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_csp_allows_only_this_origin(client: httpx.Client, path: str) -> None:
    csp = assert_common(client.get(path))
    sources = [source for directive in csp.values() for source in directive]
    assert all(s.startswith("'") or s in ("data:", "blob:") for s in sources), f"no host in the docs CSP: {csp}"
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"], "no inline or remote script"
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["font-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    if path == "/docs":
        assert csp["style-src"] == ["'self'"], "Swagger UI needs no inline style"
    else:
        # ReDoc (styled-components) writes <style> elements at run time; its search is a blob: worker.
        assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
        assert csp["worker-src"] == ["'self'", "blob:"]


def test_docs_assets_get_the_strict_csp(client: httpx.Client) -> None:
    """Only the two docs pages get the docs policy; their asset files get the UI's, unchanged."""
    response = client.get(f"{DOCS_ASSETS}/swagger-ui-bundle.js")
    assert response.headers["content-security-policy"] == UI_CSP
    assert_common(response)


def test_docs_and_their_assets_need_no_api_key() -> None:
    """With API keys configured, the docs pages and their assets stay public (no backend is used)."""
    app = create_app(GatewaySettings(api_keys="docs-test-key-3c9e1a"))
    local = TestClient(app)  # not entered: no lifespan, no backends
    html = local.get("/docs").text + local.get("/redoc").text
    urls = set(_asset_urls(html)) | {f"{DOCS_ASSETS}/swagger-init.js", "/openapi.json"}
    for url in ("/docs", "/redoc", *sorted(urls)):
        assert local.get(url).status_code == 200, url
    assert local.head(f"{DOCS_ASSETS}/swagger-ui.css").status_code == 200
    # Only GET and HEAD of the assets are public; a missing asset is still a 404.
    assert local.post(f"{DOCS_ASSETS}/swagger-ui.css").status_code == 401
    assert local.get(f"{DOCS_ASSETS}/no-such-file.js").status_code == 404
    assert local.get("/config").status_code == 401


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
