"""Sign-in with an OpenID Connect provider through the real gateway: a fake provider on
127.0.0.1 that speaks the protocol (discovery, authorize, token, JWKS), the code flow with
PKCE, and the faults a provider or an attacker can bring."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from suite.processes import Suite
from tests.fakes.oidc import FakeOidc
from tests.security.accounts import PASSWORD, browser, signed_up
from tests.security.conftest import UNTHROTTLED


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeOidc]:
    with FakeOidc() as fake:
        yield fake


@pytest.fixture(scope="module")
def oidc_suite(provider: FakeOidc, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    suite = Suite(data_dir=tmp_path_factory.mktemp("oidc-suite"))
    provider.redirect_uri = f"{suite.base_url}/auth/oidc/fake/callback"
    configured = [
        {
            "id": "fake",
            "name": "Fake IdP",
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
        }
    ]
    suite.env = {
        "PROVIDERS": "fallback",
        "AUTH_MODE": "accounts",
        "OIDC_PROVIDERS": json.dumps(configured),
        "OIDC_TIMEOUT_S": "1",
        **UNTHROTTLED,
    }
    suite.start()
    yield suite
    suite.stop()


@pytest.fixture
def fake(provider: FakeOidc) -> FakeOidc:
    redirect = provider.redirect_uri
    provider.reset()
    provider.redirect_uri = redirect
    provider.reset()  # registers the clients for the gateway's callback
    return provider


def _sign_in(client: httpx.Client) -> tuple[httpx.Response, str]:
    """Follows the flow as a browser would; returns the gateway's last answer and the callback URL."""
    start = client.get("/auth/oidc/fake/login")
    assert start.status_code == 303, start.text
    authorize = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
    assert authorize.status_code == 302, authorize.text
    callback = authorize.headers["location"]
    return client.get(callback), callback


def _landed(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_the_sign_in_button_is_offered(oidc_suite: Suite) -> None:
    config = httpx.get(f"{oidc_suite.base_url}/auth/config").json()
    assert config["providers"] == [{"id": "fake", "name": "Fake IdP", "login_url": "/auth/oidc/fake/login"}]


def test_a_provider_sign_in_makes_the_account_once_and_signs_in(oidc_suite: Suite, fake: FakeOidc) -> None:
    fake.user = {"sub": "oidc-user-1", "email": "Olga@Example.com", "email_verified": True}
    with browser(oidc_suite) as client:
        response, _ = _sign_in(client)
        assert _landed(response) == "/"
        me = client.get("/auth/me").json()["account"]
        assert me["email"] == "olga@example.com" and me["sign_in"] == "oidc"
        assert client.post("/conversations", json={"title": "from SSO"}).status_code == 201
    # PKCE: the token request carried the verifier of the challenge (the fake checks it).
    assert fake.token_requests[-1].get("code_verifier") and fake.token_outcomes[-1] == "ok"
    assert "code_challenge" in fake.authorizations[-1] and fake.authorizations[-1]["code_challenge_method"] == "S256"
    with browser(oidc_suite) as again:
        _landed(_sign_in(again)[0])
        assert again.get("/auth/me").json()["account"]["id"] == me["id"]  # the same account


@pytest.mark.parametrize(
    "fault", ["bad_signature", "wrong_audience", "expired", "replayed_nonce", "wrong_issuer", "alg_none", "token_error"]
)
def test_a_token_that_fails_a_check_signs_no_one_in(oidc_suite: Suite, fake: FakeOidc, fault: str) -> None:
    with browser(oidc_suite) as client:
        if fault == "replayed_nonce":
            _sign_in(client)  # an earlier flow whose nonce the provider replays
            client.post("/auth/logout")
        fake.fault = fault
        response, _ = _sign_in(client)
        assert _landed(response) == "/?auth_error=oidc_failed"
        assert "chat_auth" not in response.cookies
        assert client.get("/auth/me").status_code == 401


def test_a_replayed_or_foreign_callback_signs_no_one_in(oidc_suite: Suite, fake: FakeOidc) -> None:
    with browser(oidc_suite) as client:
        response, callback = _sign_in(client)
        assert _landed(response) == "/"
    with browser(oidc_suite) as attacker:  # the same callback again, in another browser
        assert _landed(attacker.get(callback)) == "/?auth_error=oidc_failed"
        assert attacker.get("/auth/me").status_code == 401
    # A callback started by another browser (login CSRF): the state cookie does not match.
    with browser(oidc_suite) as victim, browser(oidc_suite) as attacker:
        start = attacker.get("/auth/oidc/fake/login")
        authorize = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
        assert _landed(victim.get(authorize.headers["location"])) == "/?auth_error=oidc_failed"
        assert victim.get("/auth/me").status_code == 401
    state = parse_qs(urlsplit(callback).query)["state"][0]
    assert len(state) >= 32


def test_an_email_held_by_a_password_account_is_not_taken_over(oidc_suite: Suite, fake: FakeOidc) -> None:
    with signed_up(oidc_suite, "held@example.com", PASSWORD):
        pass
    fake.user = {"sub": "someone-else", "email": "held@example.com", "email_verified": True}
    with browser(oidc_suite) as client:
        assert _landed(_sign_in(client)[0]) == "/?auth_error=email_taken"
        assert client.get("/auth/me").status_code == 401


def test_an_unverified_email_makes_no_account(oidc_suite: Suite, fake: FakeOidc) -> None:
    fake.user = {"sub": "unverified-1", "email": "unverified@example.com", "email_verified": False}
    with browser(oidc_suite) as client:
        assert _landed(_sign_in(client)[0]) == "/?auth_error=oidc_failed"


def test_a_provider_that_hangs_fails_within_its_timeout(oidc_suite: Suite, fake: FakeOidc) -> None:
    fake.fault = "slow"
    with browser(oidc_suite) as client:
        start = client.get("/auth/oidc/fake/login")
        authorize = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
        response = client.get(authorize.headers["location"], timeout=10)
        assert _landed(response) == "/?auth_error=oidc_failed"
        assert response.elapsed.total_seconds() < 3
