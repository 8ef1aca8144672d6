"""A fake OpenID Connect provider speaking the real protocol on 127.0.0.1: discovery, the
authorization endpoint (which signs a configurable user in at once, no page), the token endpoint
(client authentication, one-use codes, PKCE S256), RS256 ID tokens and the JWK set.

    with FakeOidc() as fake:                    # or the fixtures of tests/unit/test_oidc.py
        fake.user = {"sub": "alice-123", "email": "alice@example.com", "email_verified": True}
        fake.fault = "expired"                  # one of FAULTS; "" for a well-behaved provider

Registered clients: `fake.client_id` / `fake.client_secret` (confidential) and
`fake.public_client_id` (no secret, PKCE only), both allowed to return to `fake.redirect_uri`.
Every request is recorded (`fake.requests`, from base.py); the parsed authorization and token
requests are in `fake.authorizations` and `fake.token_requests`, and each token request's
outcome ("ok" or the OAuth error code) in `fake.token_outcomes`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.base import Behaviour, FakeServer, Handler, Recorded

# The ID token's faults (at the token endpoint) and the endpoints' own.
FAULTS = frozenset(
    {
        "bad_signature",  # signed by a key the provider never published, under the current kid
        "wrong_audience",  # aud is another client
        "expired",  # exp an hour ago (far beyond any clock skew)
        "replayed_nonce",  # the nonce of the authorization request before this one
        "wrong_issuer",  # iss is not the discovered issuer
        "alg_none",  # an unsigned token: {"alg": "none"} and an empty signature
        "hs256",  # HS256, MACed with the provider's public key (PEM) as the secret
        "rotate_keys",  # each token request first rotates to a new key, under a kid not seen before
        "token_error",  # the token endpoint answers 400 invalid_grant
        "slow",  # the token endpoint waits `hang_s` before answering
        "access_denied",  # the authorization endpoint redirects back with error=access_denied
        "discovery_error",  # the discovery document answers 500
    }
)

CODE_TTL_S = 60
VERIFIER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def s256(verifier: str) -> str:
    """RFC 7636's S256 code challenge of a verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class _Client:
    secret: str  # "" for a public client
    redirect_uris: list[str]


@dataclass
class _Grant:
    """What an authorization code stands for."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    previous_nonce: str | None  # the nonce of the authorization before this one (for replayed_nonce)
    scope: str
    user: dict[str, Any]
    expires_at: float


class _OidcHandler(Handler):
    """base.Handler answers POST only; a provider answers GET too."""

    def do_GET(self) -> None:
        fake = self.server.fake
        behaviour = fake.record(Recorded("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
        try:
            fake.handle(self, behaviour, b"")
        except (BrokenPipeError, ConnectionResetError):
            with fake._lock:
                fake.disconnects += 1


class FakeOidc(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self._server.RequestHandlerClass = _OidcHandler
        self.client_id = "chat-app"
        self.client_secret = "chat-app-secret"
        self.public_client_id = "chat-spa"
        self.redirect_uri = "http://127.0.0.1:8000/auth/oidc/fake/callback"
        self.reset()

    # Configuration ----------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.url

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.fault = ""
            self.hang_s = 3.0  # "slow": longer than the client timeouts the tests use
            self.user: dict[str, Any] = {"sub": "alice-123", "email": "alice@example.com", "email_verified": True}
            self.extra_claims: dict[str, Any] = {}  # merged into the ID token last; a None value drops the claim
            self.clock_offset_s = 0  # the provider's clock, ahead (+) or behind (-) ours
            self.clients = {
                self.client_id: _Client(self.client_secret, [self.redirect_uri]),
                self.public_client_id: _Client("", [self.redirect_uri]),
            }
            self.keys = [self._new_key()]  # published; the last one signs
            self.impostor = RSAKey.generate_key(2048, private=True)  # never published ("bad_signature")
            self.codes: dict[str, _Grant] = {}
            self.nonces: list[str | None] = []  # of every authorization request, in order
            self.authorizations: list[dict[str, str]] = []
            self.token_requests: list[dict[str, str]] = []  # the form, plus "auth_method"
            self.token_outcomes: list[str] = []  # "ok" or the OAuth error code
            self.token_errors: list[str] = []  # the error descriptions
            self.issued: list[dict[str, Any]] = []  # each answer of the token endpoint
            self.access_tokens: dict[str, dict[str, Any]] = {}  # for /userinfo

    @property
    def kid(self) -> str:
        """The kid of the key that signs now."""
        return str(self.keys[-1].kid)

    def rotate_keys(self) -> str:
        """A new signing key under a new kid; the previous one stays published (as providers do)."""
        with self._lock:
            self.keys = [*self.keys[-1:], self._new_key()]
            return self.kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.keys]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "none"],
            "grant_types_supported": ["authorization_code"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "email", "email_verified"],
        }

    @staticmethod
    def _new_key() -> RSAKey:
        return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}, private=True)

    # Requests ---------------------------------------------------------------------------------

    def handle(self, handler: Handler, behaviour: Behaviour, body: bytes) -> None:
        url = urlsplit(handler.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        method = handler.command
        if behaviour == "500":  # base.py's queued behaviours still work, on any endpoint
            handler.send_json(500, {"error": "server_error"})
        elif behaviour == "hang":
            self.hang()
        elif method == "GET" and url.path == "/.well-known/openid-configuration":
            if self.fault == "discovery_error":
                handler.send_json(500, {"error": "server_error"})
            else:
                handler.send_json(200, self.discovery())
        elif method == "GET" and url.path == "/jwks":
            handler.send_json(200, self.jwks())
        elif method == "GET" and url.path == "/authorize":
            self._authorize(handler, query)
        elif method == "POST" and url.path == "/token":
            self._token(handler, dict(parse_qsl(body.decode(), keep_blank_values=True)))
        elif method == "GET" and url.path == "/userinfo":
            self._userinfo(handler)
        else:
            handler.send_json(404, {"error": "not_found"})

    def _authorize(self, handler: Handler, query: dict[str, str]) -> None:
        with self._lock:
            self.authorizations.append(query)
            client = self.clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        # An unknown client or redirect URI is told to the user, never redirected to (RFC 6749, 4.1.2.1).
        if client is None:
            handler.send_json(400, {"error": "invalid_client", "error_description": "unknown client_id"})
            return
        if redirect_uri not in client.redirect_uris:
            handler.send_json(400, {"error": "invalid_request", "error_description": "redirect_uri not registered"})
            return
        state = query.get("state")

        def back(**params: str) -> None:
            if state is not None:
                params["state"] = state
            handler.send_raw(302, b"", "text/plain", {"Location": f"{redirect_uri}?{urlencode(params)}"})

        if query.get("response_type") != "code":
            back(error="unsupported_response_type")
        elif "openid" not in query.get("scope", "").split():
            back(error="invalid_scope", error_description="openid is required")
        elif query.get("code_challenge_method") != "S256" or len(query.get("code_challenge", "")) != 43:
            back(error="invalid_request", error_description="PKCE with S256 is required")
        elif self.fault == "access_denied":
            back(error="access_denied", error_description="the user declined")
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                previous = self.nonces[-1] if self.nonces else None
                self.nonces.append(query.get("nonce"))
                self.codes[code] = _Grant(
                    client_id=query["client_id"],
                    redirect_uri=redirect_uri,
                    code_challenge=query["code_challenge"],
                    nonce=query.get("nonce"),
                    previous_nonce=previous,
                    scope=query["scope"],
                    user=dict(self.user),
                    expires_at=time.time() + CODE_TTL_S,
                )
            back(code=code)

    def _client_auth(self, handler: Handler, form: dict[str, str]) -> tuple[str, str, str | None]:
        """(method, client_id, secret or None) of a token request; ValueError if it is ambiguous."""
        header = handler.headers.get("Authorization", "")
        if header.startswith("Basic "):
            if "client_secret" in form:
                raise ValueError("two client authentication methods")
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            # RFC 6749, 2.3.1: both are form-encoded before base64
            return "client_secret_basic", unquote_plus(user), unquote_plus(password)
        if "client_secret" in form:
            return "client_secret_post", form.get("client_id", ""), form["client_secret"]
        return "none", form.get("client_id", ""), None

    def _token(self, handler: Handler, form: dict[str, str]) -> None:
        try:
            auth_method, client_id, secret = self._client_auth(handler, form)
        except ValueError:
            self._token_error(handler, 400, "invalid_request", "ambiguous client authentication")
            return
        with self._lock:
            self.token_requests.append({**form, "auth_method": auth_method})
            client = self.clients.get(client_id)
            grant = self.codes.pop(form.get("code", ""), None)  # one use, whatever follows
        if client is None or (client.secret and (secret is None or not hmac.compare_digest(secret, client.secret))):
            self._token_error(handler, 401, "invalid_client", "client authentication failed")
            return
        if not client.secret and secret:
            self._token_error(handler, 401, "invalid_client", "a public client has no secret")
            return
        if form.get("grant_type") != "authorization_code":
            self._token_error(handler, 400, "unsupported_grant_type", "authorization_code only")
            return
        if self.fault == "token_error":
            self._token_error(handler, 400, "invalid_grant", "fault: token_error")
            return
        if grant is None or grant.expires_at < time.time():
            self._token_error(handler, 400, "invalid_grant", "unknown, used or expired code")
            return
        if grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
            self._token_error(handler, 400, "invalid_grant", "client_id or redirect_uri differs from the authorization")
            return
        verifier = form.get("code_verifier", "")
        if not 43 <= len(verifier) <= 128 or not set(verifier) <= VERIFIER_CHARS:
            self._token_error(handler, 400, "invalid_request", "code_verifier missing or malformed")
            return
        if not hmac.compare_digest(s256(verifier), grant.code_challenge):
            self._token_error(handler, 400, "invalid_grant", "PKCE verification failed")
            return
        if self.fault == "slow":
            self.hang()
        if self.fault == "rotate_keys":
            self.rotate_keys()
        access_token = secrets.token_urlsafe(24)
        answer = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": self.id_token(grant),
            "scope": grant.scope,
        }
        with self._lock:
            self.token_outcomes.append("ok")
            self.issued.append(answer)
            self.access_tokens[access_token] = grant.user
        handler.send_json(200, answer, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _token_error(self, handler: Handler, status: int, error: str, description: str) -> None:
        with self._lock:
            self.token_outcomes.append(error)
            self.token_errors.append(description)
        headers = {"Cache-Control": "no-store"}
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="fake-oidc"'
        handler.send_json(status, {"error": error, "error_description": description}, headers)

    def _userinfo(self, handler: Handler) -> None:
        header = handler.headers.get("Authorization", "")
        with self._lock:
            user = self.access_tokens.get(header.removeprefix("Bearer "))
        if not header.startswith("Bearer ") or user is None:
            handler.send_json(401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        handler.send_json(200, user)

    # ID tokens --------------------------------------------------------------------------------

    def claims(self, grant: _Grant) -> dict[str, Any]:
        now = int(time.time()) + self.clock_offset_s
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            **grant.user,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if self.fault == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.fault == "wrong_issuer":
            claims["iss"] = "http://evil.example"
        elif self.fault == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.fault == "replayed_nonce":
            claims["nonce"] = grant.previous_nonce or secrets.token_urlsafe(32)
        claims.update(self.extra_claims)
        return {k: v for k, v in claims.items() if v is not None}

    def id_token(self, grant: _Grant) -> str:
        claims = self.claims(grant)
        key = self.keys[-1]
        header = {"alg": "RS256", "kid": self.kid}
        payload = b64url(json.dumps(claims).encode())
        if self.fault == "alg_none":
            return f"{b64url(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."
        if self.fault == "hs256":
            signing_input = f"{b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': self.kid}).encode())}.{payload}"
            mac = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
            return f"{signing_input}.{b64url(mac)}"
        if self.fault == "bad_signature":
            key = self.impostor
        return jwt.encode(header, claims, key, algorithms=["RS256"])
