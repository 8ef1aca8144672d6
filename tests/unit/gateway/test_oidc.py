"""gateway/accounts/oidc.py against a fake OpenID Connect provider over real HTTP (tests/fakes/oidc.py):
the code flow with PKCE, the ID token's checks one by one, key rotation, and bounded waits.

The browser's part is played by httpx: GET the authorization URL without following the redirect,
and read `code` and `state` from its Location."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gateway.accounts.oidc import OidcClient, OidcError, OidcIdentity, OidcProviderConfig, PendingLogin
from tests.fakes.oidc import FakeOidc, s256


@pytest.fixture(scope="module")
def _provider() -> Iterator[FakeOidc]:
    with FakeOidc() as fake:
        yield fake


@pytest.fixture
def fake(_provider: FakeOidc) -> FakeOidc:
    _provider.reset()
    return _provider


def config(fake: FakeOidc, **overrides: str) -> OidcProviderConfig:
    values = {"id": "fake", "name": "Fake SSO", "issuer": fake.issuer, "client_id": fake.client_id}
    values["client_secret"] = fake.client_secret
    values.update(overrides)
    return OidcProviderConfig(**values)


@pytest.fixture
async def client(fake: FakeOidc) -> AsyncIterator[OidcClient]:
    oidc = OidcClient(config(fake), http_timeout_s=2.0)
    yield oidc
    await oidc.aclose()


async def authorize(oidc: OidcClient, fake: FakeOidc) -> tuple[PendingLogin, dict[str, str]]:
    """begin(), then the browser's visit to the provider: the callback's query parameters."""
    url, pending = await oidc.begin(fake.redirect_uri)
    async with httpx.AsyncClient(timeout=5) as browser:
        response = await browser.get(url, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(fake.redirect_uri + "?")
    return pending, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def sign_in(oidc: OidcClient, fake: FakeOidc) -> OidcIdentity:
    pending, callback = await authorize(oidc, fake)
    assert callback["state"] == pending.state
    return await oidc.complete(pending, callback["code"])


async def refused(oidc: OidcClient, fake: FakeOidc) -> str:
    with pytest.raises(OidcError) as caught:
        await sign_in(oidc, fake)
    return caught.value.reason


# The flow ---------------------------------------------------------------------------------------


async def test_sign_in_returns_the_providers_identity(client: OidcClient, fake: FakeOidc) -> None:
    identity = await sign_in(client, fake)

    assert identity == OidcIdentity(issuer=fake.issuer, subject="alice-123", email="alice@example.com", email_verified=True)
    assert fake.token_outcomes == ["ok"]


async def test_the_authorization_url_asks_for_the_code_flow_with_pkce_state_and_nonce(client: OidcClient, fake: FakeOidc) -> None:
    url, pending = await client.begin(fake.redirect_uri)
    _, second = await client.begin(fake.redirect_uri)

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{fake.url}/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == fake.client_id
    assert query["redirect_uri"] == fake.redirect_uri
    assert "openid" in query["scope"].split()
    assert query["state"] == pending.state
    assert query["nonce"] == pending.nonce
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == s256(pending.code_verifier)
    assert "code_verifier" not in query  # the secret half stays with the gateway
    assert pending.provider_id == "fake" and pending.redirect_uri == fake.redirect_uri
    assert 43 <= len(pending.code_verifier) <= 128
    # random each time
    assert {second.state, second.nonce, second.code_verifier}.isdisjoint({pending.state, pending.nonce, pending.code_verifier})


async def test_scopes_without_openid_still_ask_for_it(fake: FakeOidc) -> None:
    oidc = OidcClient(config(fake, scopes="email"))
    try:
        url, _ = await oidc.begin(fake.redirect_uri)
    finally:
        await oidc.aclose()
    assert parse_qs(urlsplit(url).query)["scope"] == ["openid email"]


async def test_the_pkce_verifier_is_sent_and_matches_the_challenge(client: OidcClient, fake: FakeOidc) -> None:
    pending, callback = await authorize(client, fake)
    await client.complete(pending, callback["code"])

    [authorization] = fake.authorizations
    [token_request] = fake.token_requests
    assert token_request["code_verifier"] == pending.code_verifier
    assert s256(token_request["code_verifier"]) == authorization["code_challenge"]
    assert token_request["grant_type"] == "authorization_code"
    assert token_request["redirect_uri"] == fake.redirect_uri
    assert token_request["auth_method"] == "client_secret_post"


async def test_a_wrong_pkce_verifier_is_refused_by_the_provider(client: OidcClient, fake: FakeOidc) -> None:
    pending, callback = await authorize(client, fake)
    stolen = dataclasses.replace(pending, code_verifier=pending.code_verifier[::-1])  # a code without its verifier

    with pytest.raises(OidcError) as caught:
        await client.complete(stolen, callback["code"])

    assert caught.value.reason == "token_exchange_failed"
    assert fake.token_outcomes == ["invalid_grant"]
    assert fake.token_errors == ["PKCE verification failed"]
    assert fake.issued == []


async def test_a_code_is_exchanged_once(client: OidcClient, fake: FakeOidc) -> None:
    pending, callback = await authorize(client, fake)
    await client.complete(pending, callback["code"])

    with pytest.raises(OidcError) as caught:
        await client.complete(pending, callback["code"])

    assert caught.value.reason == "token_exchange_failed"
    assert fake.token_outcomes == ["ok", "invalid_grant"]


async def test_a_public_client_authenticates_with_pkce_alone(fake: FakeOidc) -> None:
    oidc = OidcClient(config(fake, client_id=fake.public_client_id, client_secret=""))
    try:
        identity = await sign_in(oidc, fake)
    finally:
        await oidc.aclose()

    assert identity.subject == "alice-123"
    [token_request] = fake.token_requests
    assert token_request["auth_method"] == "none"
    assert "client_secret" not in token_request
    assert token_request["client_id"] == fake.public_client_id


async def test_a_wrong_client_secret_is_refused(fake: FakeOidc) -> None:
    oidc = OidcClient(config(fake, client_secret="not-the-secret"))
    try:
        reason = await refused(oidc, fake)
    finally:
        await oidc.aclose()

    assert reason == "token_exchange_failed"
    assert fake.token_outcomes == ["invalid_client"]


async def test_discovery_is_fetched_once_even_by_concurrent_sign_ins(client: OidcClient, fake: FakeOidc) -> None:
    await asyncio.gather(*(client.begin(fake.redirect_uri) for _ in range(5)))
    await sign_in(client, fake)
    await sign_in(client, fake)

    assert fake.calls("/.well-known/openid-configuration") == 1
    assert fake.calls("/jwks") == 1


async def test_an_identity_without_email(client: OidcClient, fake: FakeOidc) -> None:
    fake.user = {"sub": "bob-7"}
    assert await sign_in(client, fake) == OidcIdentity(fake.issuer, "bob-7", "", False)

    fake.user = {"sub": "bob-7", "email": "bob@example.com", "email_verified": False}
    assert await sign_in(client, fake) == OidcIdentity(fake.issuer, "bob-7", "bob@example.com", False)


# The provider's faults --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("bad_signature", "bad_signature"),
        ("wrong_audience", "wrong_audience"),
        ("expired", "expired"),
        ("wrong_issuer", "wrong_issuer"),
        ("token_error", "token_exchange_failed"),
        ("alg_none", "unsupported_algorithm"),
        ("hs256", "unsupported_algorithm"),  # MACed with the provider's public key as the secret
    ],
)
async def test_each_fault_is_refused_with_its_reason(client: OidcClient, fake: FakeOidc, fault: str, reason: str) -> None:
    await sign_in(client, fake)  # the same client signs in well first: nothing is cached wrong
    fake.fault = fault

    assert await refused(client, fake) == reason

    fake.fault = ""
    assert (await sign_in(client, fake)).subject == "alice-123"


async def test_a_replayed_nonce_is_refused(client: OidcClient, fake: FakeOidc) -> None:
    await sign_in(client, fake)
    fake.fault = "replayed_nonce"  # the ID token carries the nonce of that earlier sign-in

    assert await refused(client, fake) == "nonce_mismatch"
    first, second = fake.nonces
    assert fake.issued[-1]["id_token"]  # the provider did answer: the client refused
    assert first != second


async def test_an_id_token_without_nonce_is_refused(client: OidcClient, fake: FakeOidc) -> None:
    fake.extra_claims = {"nonce": None}
    assert await refused(client, fake) == "nonce_mismatch"


async def test_an_id_token_without_subject_is_refused(client: OidcClient, fake: FakeOidc) -> None:
    fake.extra_claims = {"sub": None}
    assert await refused(client, fake) == "missing_claims"


async def test_several_audiences_need_our_client_as_azp(client: OidcClient, fake: FakeOidc) -> None:
    fake.extra_claims = {"aud": [fake.client_id, "another-client"]}
    assert await refused(client, fake) == "wrong_audience"

    fake.extra_claims = {"aud": [fake.client_id, "another-client"], "azp": "another-client"}
    assert await refused(client, fake) == "wrong_audience"

    fake.extra_claims = {"aud": [fake.client_id, "another-client"], "azp": fake.client_id}
    assert (await sign_in(client, fake)).subject == "alice-123"


@pytest.mark.parametrize(
    ("offset_s", "reason"),
    [
        (30, None),  # the provider's clock 30 s ahead: iat in the future, within the skew
        (-330, None),  # 330 s behind: exp (iat + 300 s) 30 s ago, within the skew
        (600, "issued_in_future"),
        (-400, "expired"),
    ],
)
async def test_clock_skew(client: OidcClient, fake: FakeOidc, offset_s: int, reason: str | None) -> None:
    fake.clock_offset_s = offset_s
    if reason is None:
        assert (await sign_in(client, fake)).subject == "alice-123"
    else:
        assert await refused(client, fake) == reason


async def test_a_slow_token_endpoint_fails_within_the_timeout(fake: FakeOidc) -> None:
    oidc = OidcClient(config(fake), http_timeout_s=0.5)
    try:
        pending, callback = await authorize(oidc, fake)
        fake.fault = "slow"  # the token endpoint waits 3 s
        started = time.monotonic()
        with pytest.raises(OidcError) as caught:
            await oidc.complete(pending, callback["code"])
        elapsed = time.monotonic() - started
    finally:
        await oidc.aclose()

    assert caught.value.reason == "token_exchange_failed"
    assert 0.4 < elapsed < 1.5


async def test_rotated_keys_are_fetched_again_once(client: OidcClient, fake: FakeOidc) -> None:
    await sign_in(client, fake)
    old_kid = fake.kid
    assert fake.calls("/jwks") == 1

    fake.fault = "rotate_keys"
    assert (await sign_in(client, fake)).subject == "alice-123"
    assert fake.kid != old_kid
    assert fake.calls("/jwks") == 2  # the unknown kid: one more fetch

    fake.fault = ""
    await sign_in(client, fake)
    assert fake.calls("/jwks") == 2  # the new key is kept


async def test_an_unknown_kid_after_a_fresh_fetch_is_refused(
    client: OidcClient, fake: FakeOidc, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(client, fake)
    fake.fault = "rotate_keys"
    monkeypatch.setattr(fake, "jwks", lambda: {"keys": []})  # the provider forgot to publish the new key

    assert await refused(client, fake) == "unknown_key"
    assert fake.calls("/jwks") == 2  # fetched again once, not in a loop


# Discovery --------------------------------------------------------------------------------------


async def test_a_failed_discovery_is_not_kept(client: OidcClient, fake: FakeOidc) -> None:
    fake.fault = "discovery_error"
    with pytest.raises(OidcError) as caught:
        await client.begin(fake.redirect_uri)
    assert caught.value.reason == "discovery_failed"

    fake.fault = ""
    assert (await sign_in(client, fake)).subject == "alice-123"
    assert fake.calls("/.well-known/openid-configuration") == 2


async def test_discovery_of_another_issuer_is_refused(fake: FakeOidc) -> None:
    oidc = OidcClient(config(fake, issuer=fake.issuer + "/"))  # the document says it without the slash
    try:
        with pytest.raises(OidcError) as caught:
            await oidc.begin(fake.redirect_uri)
    finally:
        await oidc.aclose()
    assert caught.value.reason == "discovery_failed"
    assert "issuer" in str(caught.value)


async def test_an_unreachable_provider_fails_fast(fake: FakeOidc) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    oidc = OidcClient(config(fake, issuer=f"http://127.0.0.1:{port}"), http_timeout_s=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(OidcError) as caught:
            await oidc.begin(fake.redirect_uri)
    finally:
        await oidc.aclose()
    assert caught.value.reason == "discovery_failed"
    assert time.monotonic() - started < 1.5


async def test_a_hanging_discovery_is_bounded(fake: FakeOidc) -> None:
    fake.queue("hang")  # the next request (discovery) gets no answer for 3 s
    oidc = OidcClient(config(fake), http_timeout_s=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(OidcError) as caught:
            await oidc.begin(fake.redirect_uri)
    finally:
        await oidc.aclose()
    assert caught.value.reason == "discovery_failed"
    assert time.monotonic() - started < 1.5


async def test_access_denied_comes_back_with_the_state(client: OidcClient, fake: FakeOidc) -> None:
    fake.fault = "access_denied"
    pending, callback = await authorize(client, fake)
    assert callback == {"error": "access_denied", "error_description": "the user declined", "state": pending.state}


# What the gateway keeps -------------------------------------------------------------------------


def test_pending_login_round_trips_through_json() -> None:
    pending = PendingLogin("corp", "s", "n", "v" * 43, "https://chat.example/auth/oidc/corp/callback")
    assert PendingLogin.from_json(pending.to_json()) == pending
    assert PendingLogin.from_json(pending.to_json().encode()) == pending


@pytest.mark.parametrize("raw", ["", "not json", "[]", '{"provider_id": "corp"}', '{"provider_id": 1, "state": "s"}'])
def test_a_damaged_pending_login_is_refused(raw: str) -> None:
    with pytest.raises(OidcError) as caught:
        PendingLogin.from_json(raw)
    assert caught.value.reason == "bad_pending_login"


async def test_a_pending_login_of_another_provider_is_refused(client: OidcClient, fake: FakeOidc) -> None:
    pending, callback = await authorize(client, fake)
    with pytest.raises(OidcError) as caught:
        await client.complete(dataclasses.replace(pending, provider_id="other"), callback["code"])
    assert caught.value.reason == "wrong_provider"
    assert fake.token_requests == []  # refused before the code was spent


async def test_no_token_code_or_verifier_is_logged(client: OidcClient, fake: FakeOidc, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # everything the client, authlib and httpx2 log
    secrets_seen: list[str] = []
    errors: list[str] = []
    for fault in ("", "wrong_audience", "bad_signature", "token_error"):
        fake.fault = fault
        pending, callback = await authorize(client, fake)
        secrets_seen += [callback["code"], pending.code_verifier, pending.nonce]
        try:
            await client.complete(pending, callback["code"])
        except OidcError as exc:
            errors.append(str(exc))
    secrets_seen += [t for answer in fake.issued for t in (answer["id_token"], answer["access_token"])]

    assert len(errors) == 3
    # The test's browser runs on httpx, the client on authlib's httpx2: the browser's requests
    # carry the code, as a browser's do, and are left out.
    client_records = [r for r in caplog.records if r.name != "httpx" and not r.name.startswith("httpcore.")]
    assert any(r.name.startswith("httpcore2") for r in client_records)  # the client's requests were logged
    text = "\n".join(f"{r.getMessage()} {r.args}" for r in client_records) + "\n".join(errors)
    assert not [s for s in secrets_seen if s in text]
