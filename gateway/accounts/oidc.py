"""Sign-in with an OpenID Connect provider: the authorization code flow with PKCE (S256), then
the ID token's checks. No database and no routes: gateway/routes/oidc.py calls `begin` on
/login and `complete` on /callback, and keeps the `PendingLogin` in between (one-time, by state).

- Discovery (`<issuer>/.well-known/openid-configuration`) is fetched on first use and kept; a
  failed fetch is not kept, so the next sign-in tries again. Its `issuer` must be the
  configured one exactly (OpenID Connect Discovery 1.0, section 4.3).
- The provider's keys (`jwks_uri`) are kept too, and fetched again once when an ID token names
  a `kid` they lack: the provider rotated its keys.
- authlib (`AsyncOAuth2Client`) builds the authorization URL and exchanges the code; joserfc
  checks the ID token's signature, with asymmetric algorithms only: `none`, and HS256 keyed
  with the provider's public key, are refused before any key is looked at.
- Every network wait is bounded by `http_timeout_s` (httpx's own timeouts, and one overall
  deadline per step); every failure is an `OidcError` with a short, stable `reason`.

Tokens, codes and PKCE verifiers are never logged, nor put in an `OidcError`'s message.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import secrets
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client

# The HTTP library authlib itself runs on (httpx2, or httpx where httpx2 is not installed):
# its exceptions are the ones a failed request raises.
from authlib.integrations.httpx_client._compat import httpx2 as _http
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import Key, import_key

log = logging.getLogger("gateway.oidc")

DISCOVERY_PATH = "/.well-known/openid-configuration"
# ID tokens are signed with the provider's private key: asymmetric algorithms only. HS256 (keyed
# with the client secret) is allowed by the spec but not accepted here, so a token MACed with
# the public key (the classic algorithm confusion) cannot pass.
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat")
# joserfc allows 512 bytes of JWS header by default; a header with an x5c certificate chain
# (some providers add one) is larger.
MAX_HEADER_BYTES = 8192

# The reasons an OidcError gives (stable: logs and metrics may count them).
REASONS = frozenset(
    {
        "discovery_failed",  # the discovery document could not be fetched, or is not valid for this issuer
        "jwks_failed",  # the provider's keys could not be fetched or read
        "token_exchange_failed",  # the token endpoint refused the code (or the verifier), failed, or timed out
        "missing_id_token",  # the token response held no ID token
        "malformed_token",  # the ID token is not a JWS compact serialization of a JSON object
        "unsupported_algorithm",  # alg none, HS256, or one the provider does not announce
        "unknown_key",  # no key of the provider's, even re-fetched, has the token's kid
        "bad_signature",
        "wrong_issuer",
        "wrong_audience",  # aud lacks our client_id, or azp is another client's
        "expired",
        "issued_in_future",  # iat (or nbf) later than now plus the allowed clock skew
        "nonce_mismatch",  # not the nonce of this sign-in: a replayed ID token
        "missing_claims",  # iss, sub, aud, exp or iat absent or of the wrong type
        "wrong_provider",  # a PendingLogin of another provider
        "bad_pending_login",  # a stored PendingLogin that does not parse
    }
)


class OidcError(Exception):
    """A sign-in that cannot go on. `reason` is one of REASONS; the message never holds a token."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class OidcProviderConfig:
    id: str  # url-safe slug, e.g. "corp"
    name: str  # shown on the button, e.g. "Corp SSO"
    issuer: str  # discovery at issuer + "/.well-known/openid-configuration"
    client_id: str
    client_secret: str  # "" for a public client (PKCE only)
    scopes: str = "openid email profile"


@dataclass(frozen=True)
class PendingLogin:
    """What the gateway keeps between /login and /callback, keyed by `state`, read once."""

    provider_id: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> PendingLogin:
        """Raises OidcError("bad_pending_login") for anything but what `to_json` wrote."""
        try:
            data = json.loads(raw)
        except (TypeError, ValueError):
            raise OidcError("bad_pending_login", "not JSON") from None
        names = [f.name for f in fields(cls)]
        if not isinstance(data, dict) or sorted(data) != sorted(names) or not all(isinstance(data[n], str) for n in names):
            raise OidcError("bad_pending_login", "unexpected fields")
        return cls(**data)


@dataclass(frozen=True)
class OidcIdentity:
    issuer: str
    subject: str
    email: str  # "" if the provider gave none
    email_verified: bool


@dataclass(frozen=True)
class _Provider:
    """The parts of the discovery document this client uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_method: str  # how this client authenticates at the token endpoint
    algorithms: tuple[str, ...]  # ID token algorithms accepted
    registry: jws.JWSRegistry  # joserfc's checks, with those algorithms only


class OidcClient:
    """One provider's sign-in. One instance serves every sign-in with that provider
    (concurrently): it keeps only the provider's metadata and keys, never a user's tokens."""

    def __init__(self, config: OidcProviderConfig, http_timeout_s: float = 5.0, clock_skew_s: int = 60) -> None:
        self.config = config
        self.http_timeout_s = http_timeout_s
        self.clock_skew_s = clock_skew_s
        self._http = AsyncOAuth2Client(
            client_id=config.client_id,
            client_secret=config.client_secret or None,
            code_challenge_method="S256",
            timeout=_http.Timeout(http_timeout_s),
            follow_redirects=False,
        )
        self._provider: _Provider | None = None
        self._discovery_lock = asyncio.Lock()
        self._keys: list[Key] | None = None
        self._keys_fetches = 0  # how many times the keys were fetched: concurrent re-fetches share one
        self._keys_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    # The flow ---------------------------------------------------------------------------------

    async def begin(self, redirect_uri: str) -> tuple[str, PendingLogin]:
        """The provider's authorization URL (code flow, PKCE S256, state, nonce), and what the
        caller keeps until the callback."""
        provider = await self._discover()
        pending = PendingLogin(
            provider_id=self.config.id,
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),  # 86 characters (RFC 7636: 43 to 128)
            redirect_uri=redirect_uri,
        )
        url, _ = self._http.create_authorization_url(
            provider.authorization_endpoint,
            state=pending.state,
            code_verifier=pending.code_verifier,
            redirect_uri=redirect_uri,
            scope=_scopes(self.config.scopes),
            nonce=pending.nonce,
        )
        return str(url), pending

    async def complete(self, pending: PendingLogin, code: str) -> OidcIdentity:
        """Exchanges the code (with the PKCE verifier) for tokens and checks the ID token."""
        if pending.provider_id != self.config.id:
            raise OidcError("wrong_provider", f"a sign-in begun with {pending.provider_id!r}")
        provider = await self._discover()
        id_token = await self._exchange(provider, pending, code)
        claims = await self._verify(provider, id_token)
        self._check_claims(provider, claims, pending.nonce)
        email = claims.get("email")
        verified = claims.get("email_verified")
        return OidcIdentity(
            issuer=provider.issuer,
            subject=claims["sub"],
            email=email if isinstance(email, str) else "",
            # Some providers send the string "true".
            email_verified=isinstance(email, str) and (verified is True or verified == "true"),
        )

    # Discovery and keys -----------------------------------------------------------------------

    async def _get_json(self, url: str, reason: str) -> Any:
        try:
            async with asyncio.timeout(self.http_timeout_s):
                response = await self._http.request("GET", url, withhold_token=True, headers={"Accept": "application/json"})
            response.raise_for_status()
            return response.json()
        except TimeoutError:
            raise OidcError(reason, f"no answer from {url} in {self.http_timeout_s:g} s") from None
        except _http.HTTPError as exc:
            raise OidcError(reason, f"{url}: {type(exc).__name__}") from None
        except ValueError:
            raise OidcError(reason, f"{url}: not JSON") from None

    async def _discover(self) -> _Provider:
        if self._provider is not None:
            return self._provider
        try:
            # Concurrent first sign-ins share one fetch, and none waits longer than the timeout.
            async with asyncio.timeout(self.http_timeout_s), self._discovery_lock:
                if self._provider is None:
                    self._provider = self._parse_discovery(await self._get_json(self._discovery_url(), "discovery_failed"))
                    log.info("oidc provider %s discovered", self.config.id)
        except TimeoutError:
            raise OidcError("discovery_failed", f"no discovery document in {self.http_timeout_s:g} s") from None
        return self._provider

    def _discovery_url(self) -> str:
        return self.config.issuer.rstrip("/") + DISCOVERY_PATH

    def _parse_discovery(self, doc: Any) -> _Provider:
        if not isinstance(doc, dict):
            raise OidcError("discovery_failed", "the discovery document is not a JSON object")
        if doc.get("issuer") != self.config.issuer:
            raise OidcError("discovery_failed", f"the discovery document's issuer is {doc.get('issuer')!r}")
        endpoints: dict[str, str] = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = doc.get(name)
            if isinstance(value, str) and value:
                endpoints[name] = value
        missing = sorted({"authorization_endpoint", "token_endpoint", "jwks_uri"} - endpoints.keys())
        if missing:
            raise OidcError("discovery_failed", f"no {', '.join(missing)} in the discovery document")
        announced = doc.get("id_token_signing_alg_values_supported")
        algorithms: tuple[str, ...] = ID_TOKEN_ALGORITHMS
        if isinstance(announced, list):
            algorithms = tuple(a for a in ID_TOKEN_ALGORITHMS if a in announced)
            if not algorithms:
                raise OidcError("discovery_failed", f"no supported ID token algorithm among {announced!r}")
        return _Provider(
            issuer=doc["issuer"],
            authorization_endpoint=endpoints["authorization_endpoint"],
            token_endpoint=endpoints["token_endpoint"],
            jwks_uri=endpoints["jwks_uri"],
            token_auth_method=self._token_auth_method(doc.get("token_endpoint_auth_methods_supported")),
            algorithms=algorithms,
            registry=_registry(algorithms),
        )

    def _token_auth_method(self, supported: Any) -> str:
        if not self.config.client_secret:
            return "none"
        if not isinstance(supported, list):
            return "client_secret_basic"  # the default when a provider announces none
        # client_secret_post first: authlib's client_secret_basic does not form-encode the id and
        # secret before base64 (RFC 6749, section 2.3.1), so a secret with ":" or "%" would break.
        for method in ("client_secret_post", "client_secret_basic"):
            if method in supported:
                return method
        return "client_secret_basic"

    async def _signing_keys(self, provider: _Provider, stale: int | None = None) -> tuple[list[Key], int]:
        """The provider's keys and their fetch count; fetched again if the caller saw the
        keys of fetch `stale` and they lack its kid (unless another sign-in did it meanwhile)."""
        try:
            async with asyncio.timeout(self.http_timeout_s), self._keys_lock:
                if self._keys is None or (stale is not None and stale == self._keys_fetches):
                    self._keys = _parse_jwks(await self._get_json(provider.jwks_uri, "jwks_failed"))
                    self._keys_fetches += 1
                    log.info("oidc provider %s: %d signing keys fetched", self.config.id, len(self._keys))
                return self._keys, self._keys_fetches
        except TimeoutError:
            raise OidcError("jwks_failed", f"no keys in {self.http_timeout_s:g} s") from None

    # The code exchange and the ID token -------------------------------------------------------

    async def _exchange(self, provider: _Provider, pending: PendingLogin, code: str) -> str:
        if not code:
            raise OidcError("token_exchange_failed", "no code")
        try:
            async with asyncio.timeout(self.http_timeout_s):
                token = await self._http.fetch_token(
                    provider.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    redirect_uri=pending.redirect_uri,
                    code_verifier=pending.code_verifier,
                    auth=self._http.client_auth(provider.token_auth_method),
                )
        except TimeoutError:
            raise OidcError("token_exchange_failed", f"no answer in {self.http_timeout_s:g} s") from None
        except AuthlibBaseError as exc:  # the provider's OAuth error, e.g. invalid_grant
            raise OidcError("token_exchange_failed", f"the provider answered {str(exc.error)[:64]}") from None
        except _http.HTTPError as exc:
            raise OidcError("token_exchange_failed", type(exc).__name__) from None
        except ValueError:
            raise OidcError("token_exchange_failed", "the answer is not a JSON object") from None
        finally:
            # authlib keeps the last token on the client; this client is every user's.
            self._http.token = None
        id_token = token.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OidcError("missing_id_token", "the token response holds no id_token")
        return id_token

    async def _verify(self, provider: _Provider, id_token: str) -> dict[str, Any]:
        """The ID token's claims, once its signature is checked with the provider's key."""
        try:
            header = jws.extract_compact(id_token.encode(), registry=provider.registry).headers()
        except (JoseError, ValueError):
            raise OidcError("malformed_token", "not a JWS compact serialization") from None
        alg = header.get("alg")
        if alg not in provider.algorithms:
            raise OidcError("unsupported_algorithm", f"alg {alg!r}")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise OidcError("malformed_token", "kid is not a string")
        keys, fetch = await self._signing_keys(provider)
        key = _find_key(keys, kid, alg)
        if key is None:
            # A kid we have not seen: the provider may have rotated its keys since we fetched them.
            keys, _ = await self._signing_keys(provider, stale=fetch)
            key = _find_key(keys, kid, alg)
        if key is None:
            raise OidcError("unknown_key", f"no {alg} key with kid {kid!r}")
        try:
            claims = jwt.decode(id_token, key, registry=provider.registry).claims
        except BadSignatureError:
            raise OidcError("bad_signature", f"kid {kid!r}") from None
        except (JoseError, ValueError) as exc:
            raise OidcError("malformed_token", type(exc).__name__) from None
        return claims

    def _check_claims(self, provider: _Provider, claims: dict[str, Any], nonce: str) -> None:
        """OpenID Connect Core 1.0, section 3.1.3.7, in the order that gives the most telling reason."""
        missing = [name for name in REQUIRED_CLAIMS if claims.get(name) is None]
        if missing:
            raise OidcError("missing_claims", ", ".join(missing))
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise OidcError("missing_claims", "sub is not a non-empty string")
        if not _is_time(claims["exp"]) or not _is_time(claims["iat"]) or ("nbf" in claims and not _is_time(claims["nbf"])):
            raise OidcError("missing_claims", "exp, iat or nbf is not a number")
        if claims["iss"] != provider.issuer:
            raise OidcError("wrong_issuer", f"iss {claims['iss']!r}")
        aud = claims["aud"]
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if self.config.client_id not in audiences:
            raise OidcError("wrong_audience", "our client_id is not in aud")
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.config.client_id:
            raise OidcError("wrong_audience", "azp is not our client_id")
        now = time.time()
        if claims["exp"] <= now - self.clock_skew_s:
            raise OidcError("expired", f"{now - claims['exp']:.0f} s ago")
        if claims["iat"] > now + self.clock_skew_s:
            raise OidcError("issued_in_future", f"iat {claims['iat'] - now:.0f} s ahead")
        if "nbf" in claims and claims["nbf"] > now + self.clock_skew_s:
            raise OidcError("issued_in_future", f"nbf {claims['nbf'] - now:.0f} s ahead")
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
            raise OidcError("nonce_mismatch", "the ID token's nonce is not this sign-in's")


def _scopes(scopes: str) -> str:
    names = scopes.split()
    return " ".join(names if "openid" in names else ["openid", *names])


def _is_time(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _registry(algorithms: tuple[str, ...]) -> jws.JWSRegistry:
    # Header names outside the JWS registry are allowed (providers add their own); "crit" is still
    # honoured.
    registry = jws.JWSRegistry(algorithms=list(algorithms), strict_check_header=False)
    registry.max_header_length = MAX_HEADER_BYTES
    return registry


def _parse_jwks(doc: Any) -> list[Key]:
    """The signing keys of a JWK set; keys of other uses or of types joserfc lacks are skipped."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise OidcError("jwks_failed", "not a JWK set")
    keys: list[Key] = []
    for entry in doc["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or entry.get("kty") == "oct":
            continue
        try:
            keys.append(import_key(entry))
        except (JoseError, ValueError, TypeError):
            continue
    return keys


def _find_key(keys: list[Key], kid: str | None, alg: str) -> Key | None:
    """The key of this kid (with no kid: the only key that fits the algorithm)."""
    family = {"RS": "RSA", "PS": "RSA", "ES": "EC"}[alg[:2]]
    fitting = [k for k in keys if k.key_type == family and k.alg in (None, alg)]
    if kid is None:
        return fitting[0] if len(fitting) == 1 else None
    return next((k for k in fitting if k.kid == kid), None)
