"""Accounts (AUTH_MODE=accounts, with guests allowed): sign-up and sign-in, sessions on the
server, CSRF, API keys per user, a guest who signs up, and erasure. Real suite, real
PostgreSQL and Redis, over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx
import pytest
from redis import Redis

from suite.processes import Suite
from tests.security.accounts import PASSWORD, api_key, browser, key_client, new_email, signed_up
from tests.security.helpers import assert_error, upload, wait_done


def _cookie_attributes(response: httpx.Response, name: str) -> list[str]:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return [a.strip().lower() for a in header.split(";")[1:]]
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


def test_health_ui_docs_and_sign_in_stay_open_and_x_session_id_names_no_one(accounts_suite: Suite) -> None:
    with httpx.Client(base_url=accounts_suite.base_url, timeout=30) as anonymous:
        for path in ("/healthz", "/readyz", "/", "/docs", "/openapi.json", "/auth/config", "/config"):
            assert anonymous.get(path).status_code == 200, path
        config = anonymous.get("/auth/config").json()
        assert config["mode"] == "accounts" and config["allow_guests"] is True
        assert_error(anonymous.get("/auth/me"), 401, code="unauthenticated")  # a guest has no account
    # X-Session-Id is a guest-mode header: with accounts, two requests naming the same one are
    # two strangers (each a new guest by cookie).
    header = {"X-Session-Id": "a" * 32}
    with httpx.Client(base_url=accounts_suite.base_url, timeout=30, headers=header) as first:
        assert first.post("/conversations", json={"title": "first"}).status_code == 201
    with httpx.Client(base_url=accounts_suite.base_url, timeout=30, headers=header) as second:
        assert second.get("/conversations").json()["items"] == []


def test_signup_signs_in_with_safe_cookies(accounts_suite: Suite) -> None:
    email = new_email()
    with browser(accounts_suite) as client:
        response = client.post("/auth/signup", json={"email": "  " + email.upper() + " ", "password": PASSWORD})
        assert response.status_code == 201, response.text
        assert response.json()["account"]["email"] == email  # trimmed, lower-case
        session = _cookie_attributes(response, "chat_auth")
        assert {"httponly", "samesite=lax", "path=/"} <= set(session)
        token = _cookie_attributes(response, "chat_csrf")
        assert "httponly" not in token and "samesite=strict" in token  # the UI's scripts read it
        me = client.get("/auth/me")
        assert me.status_code == 200 and me.json()["account"]["email"] == email
        assert PASSWORD not in me.text
        assert_error(client.post("/auth/signup", json={"email": email, "password": PASSWORD}), 409, code="email_taken")


@pytest.mark.parametrize(
    ("email", "password", "code"),
    [
        ("not-an-email", PASSWORD, "invalid_email"),
        ("a@b", PASSWORD, "invalid_email"),
        (None, "short1!", "weak_password"),
        (None, "password1234", "weak_password"),  # among the most common, whatever its length
        (None, "qwertyuiop", "weak_password"),
        (None, "aaaaaaaaaaaa", "weak_password"),
    ],
)
def test_signup_refuses_bad_emails_and_weak_passwords(accounts_suite: Suite, email: str | None, password: str, code: str) -> None:
    with browser(accounts_suite) as client:
        response = client.post("/auth/signup", json={"email": email or new_email(), "password": password})
        assert_error(response, 400, code=code)
        assert "chat_auth" not in response.headers.get("set-cookie", "")


def test_malformed_sign_in_bodies_get_clear_errors(accounts_suite: Suite) -> None:
    with browser(accounts_suite) as client:
        assert_error(client.post("/auth/login", json={"email": "x@example.com"}), 422, code="invalid_request")
        assert_error(client.post("/auth/login", content=b"{", headers={"content-type": "application/json"}), 422)
        assert_error(client.post("/auth/login", json={"email": "x" * 400, "password": "p"}), 422, code="invalid_request")


def test_a_failed_sign_in_never_says_which_part_was_wrong(accounts_suite: Suite) -> None:
    email = new_email()
    with signed_up(accounts_suite, email):
        pass
    with browser(accounts_suite) as client:
        wrong_password = client.post("/auth/login", json={"email": email, "password": PASSWORD + "x"})
        unknown_email = client.post("/auth/login", json={"email": new_email(), "password": PASSWORD})
        not_an_email = client.post("/auth/login", json={"email": "nobody", "password": PASSWORD})
        bodies = [assert_error(r, 401, code="invalid_credentials") for r in (wrong_password, unknown_email, not_an_email)]
        assert bodies[0] == bodies[1] == bodies[2]
        assert client.post("/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200


def test_login_rotates_the_session_and_logout_ends_it_everywhere(accounts_suite: Suite) -> None:
    email = new_email()
    with signed_up(accounts_suite, email) as first:
        old = first.cookies["chat_auth"]
        assert first.post("/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        new = first.cookies["chat_auth"]
        assert new != old
        # The session the login replaced is over; so is a copy of the new one after logout.
        with httpx.Client(base_url=accounts_suite.base_url, cookies={"chat_auth": old}) as stolen:
            assert_error(stolen.get("/auth/me"), 401, code="unauthenticated")
        with httpx.Client(base_url=accounts_suite.base_url, cookies={"chat_auth": new}) as copy:
            assert copy.get("/auth/me").status_code == 200
            assert first.post("/auth/logout").status_code == 200
            assert_error(copy.get("/auth/me"), 401, code="unauthenticated")
            assert_error(copy.get("/conversations"), 401, code="unauthenticated")


def test_cookie_writes_need_the_csrf_token_and_the_own_origin(accounts_suite: Suite) -> None:
    with signed_up(accounts_suite) as client:
        token = client.cookies["chat_csrf"]
        cookies = {"chat_auth": client.cookies["chat_auth"]}
        with httpx.Client(base_url=accounts_suite.base_url, timeout=30, cookies=cookies) as forged:
            assert_error(forged.post("/conversations", json={}), 403, code="csrf_failed")
            assert_error(forged.post("/conversations", json={}, headers={"X-CSRF-Token": "0" * 64}), 403, code="csrf_failed")
            evil = {"X-CSRF-Token": token, "Origin": "https://evil.example"}
            assert_error(forged.post("/conversations", json={}, headers=evil), 403, code="csrf_failed")
            assert_error(forged.delete("/auth/me", headers=evil), 403, code="csrf_failed")
            own = {"X-CSRF-Token": token, "Origin": accounts_suite.base_url}
            assert forged.post("/conversations", json={}, headers=own).status_code == 201
            assert forged.get("/conversations").status_code == 200  # reads need no token
        # Another user's token is worth nothing with this session.
        with signed_up(accounts_suite) as other:
            assert_error(client.post("/conversations", json={}, headers={"X-CSRF-Token": other.cookies["chat_csrf"]}), 403)
        # Sign-in from another site is refused too (login CSRF).
        response = client.post(
            "/auth/login", json={"email": new_email(), "password": PASSWORD}, headers={"Origin": "https://evil.example"}
        )
        assert_error(response, 403, code="csrf_failed")


def test_api_keys_act_as_their_user_are_shown_once_and_revoke_at_once(accounts_suite: Suite) -> None:
    with signed_up(accounts_suite) as client:
        conversation = client.post("/conversations", json={"title": "Key owner's chat"}).json()["conversation"]
        created = client.post("/auth/api-keys", json={"name": "laptop script"})
        assert created.status_code == 201, created.text
        secret, key = created.json()["secret"], created.json()["key"]
        assert secret.startswith("ck_") and len(secret) > 40 and secret.startswith(key["prefix"])
        listed = client.get("/auth/api-keys")
        assert [k["id"] for k in listed.json()["items"]] == [key["id"]]
        assert secret not in listed.text
        with key_client(accounts_suite, secret) as api:
            assert [c["id"] for c in api.get("/conversations").json()["items"]] == [conversation["id"]]
            sent = api.post(f"/conversations/{conversation['id']}/messages", json={"text": "hello from a script"})
            assert sent.status_code == 202, sent.text  # no CSRF token: a key is no cookie
            wait_done(api, sent.json()["job_id"])
            # A leaked key can neither mint keys nor delete the account.
            assert_error(api.post("/auth/api-keys", json={"name": "more"}), 403, code="sign_in_required")
            assert_error(api.delete("/auth/me"), 403, code="sign_in_required")
            assert client.delete(f"/auth/api-keys/{key['id']}").status_code == 200
            assert_error(api.get("/conversations"), 401, code="invalid_api_key")
        assert_error(client.delete(f"/auth/api-keys/{key['id']}"), 404, code="api_key_not_found")
        with key_client(accounts_suite, "ck_" + "x" * 43) as forged:
            assert_error(forged.get("/conversations"), 401, code="invalid_api_key")


def test_a_guest_who_signs_up_keeps_their_conversations_and_profile(accounts_suite: Suite) -> None:
    with browser(accounts_suite) as guest:
        sent = guest.post("/messages", json={"text": "My name is Ingrid and I live in Tromso."})
        assert sent.status_code == 202, sent.text
        job_id = sent.json()["job_id"]
        assert wait_done(guest, job_id)["status"] == "done"
        facts = guest.get("/profile").json()["profile"]["facts"]
        assert facts, "the positive control: the guest's chat taught the profile"
        conversations = guest.get("/conversations").json()["items"]
        assert guest.post("/auth/signup", json={"email": new_email(), "password": PASSWORD}).status_code == 201
        assert [c["id"] for c in guest.get("/conversations").json()["items"]] == [c["id"] for c in conversations]
        assert guest.get(f"/messages/{job_id}").status_code == 200
        assert {f["key"] for f in guest.get("/profile").json()["profile"]["facts"]} == {f["key"] for f in facts}
        # The guest session itself no longer holds them.
        guest_cookie = guest.cookies["chat_session"]
    with httpx.Client(base_url=accounts_suite.base_url, cookies={"chat_session": guest_cookie}) as left_behind:
        assert left_behind.get("/conversations").json()["items"] == []


def _rows_of(database_url: str, account_id: str, owner: str, conversation_ids: set[str]) -> dict[str, int]:
    """Rows of the account (gateway), its conversations (job service) and profile (context service)."""
    queries = {
        "accounts": ("SELECT count(*) FROM accounts WHERE id = $1", account_id),
        "auth_sessions": ("SELECT count(*) FROM auth_sessions WHERE account_id = $1", account_id),
        "api_keys": ("SELECT count(*) FROM api_keys WHERE account_id = $1", account_id),
        "conversations": ("SELECT count(*) FROM conversations WHERE owner = $1", owner),
        "messages": ("SELECT count(*) FROM messages WHERE owner = $1", owner),
        "context_turns": ("SELECT count(*) FROM context_turns WHERE session_id = ANY($1::text[])", sorted(conversation_ids)),
        "profile_facts": ("SELECT count(*) FROM profile_facts WHERE owner = $1", owner),
    }

    async def count() -> dict[str, int]:
        conn = await asyncpg.connect(database_url)
        try:
            return {table: int(await conn.fetchval(sql, arg)) for table, (sql, arg) in queries.items()}
        finally:
            await conn.close()

    return asyncio.run(count())


def test_deleting_an_account_erases_its_rows_redis_keys_and_uploads(accounts_suite: Suite) -> None:
    with signed_up(accounts_suite) as client:
        account_id = client.get("/auth/me").json()["account"]["id"]
        owner = f"user:{account_id}"
        api_key(client)
        message = client.post("/messages", json={"text": "I am Birgit and I live in Bergen."}).json()["job_id"]
        filed = upload(client, "diary.txt", b"a private diary entry\n", **{"X-CSRF-Token": client.cookies["chat_csrf"]})
        assert filed.status_code == 202, filed.text
        jobs = [message, filed.json()["job_id"]]
        for job_id in jobs:
            assert wait_done(client, job_id)["status"] == "done"
        conversation_ids = {c["id"] for c in client.get("/conversations").json()["items"]}
        before = _rows_of(accounts_suite.database_url or "", account_id, owner, conversation_ids)
        assert all(before.values()), before

        deleted = client.delete("/auth/me")
        assert deleted.status_code == 200 and deleted.json()["deleted_conversations"] == len(conversation_ids)
        assert_error(client.get("/auth/me"), 401, code="unauthenticated")

    assert set(_rows_of(accounts_suite.database_url or "", account_id, owner, conversation_ids).values()) == {0}
    redis = Redis.from_url(accounts_suite.redis_url or "", decode_responses=True)
    try:
        traces = [account_id, *jobs, *conversation_ids]
        left = [k for k in redis.scan_iter(count=1000) if any(t in k for t in traces)]
        values = [k for k in redis.scan_iter("auth:*", count=1000) if redis.type(k) == "string" and redis.get(k) == account_id]
    finally:
        redis.close()
    assert left == [] and values == [], (left, values)
    uploads = Path(accounts_suite.data_dir / "uploads")
    assert not any(uploads.iterdir()) if uploads.exists() else True
    with browser(accounts_suite) as again:  # the email is free again
        assert again.post("/auth/login", json={"email": "x@example.com", "password": PASSWORD}).status_code == 401


def test_sign_in_is_throttled_per_account_and_per_ip(tmp_path: Path) -> None:
    from tests.security.conftest import start_suite

    suite = start_suite(
        tmp_path, AUTH_MODE="accounts", LOGIN_ATTEMPTS_PER_ACCOUNT="3", LOGIN_ATTEMPTS_PER_IP="6", LOGIN_WINDOW_S="60"
    )
    try:
        email = new_email()
        with signed_up(suite, email):
            pass
        with browser(suite) as client:
            for _ in range(3):
                assert_error(client.post("/auth/login", json={"email": email, "password": "wrong password 1"}), 401)
            throttled = client.post("/auth/login", json={"email": email, "password": PASSWORD})
            assert_error(throttled, 429, code="too_many_attempts")  # even the right password waits
            assert 1 <= int(throttled.headers["Retry-After"]) <= 60
            # Other accounts from the same IP, until the IP's own limit.
            for _ in range(2):
                assert_error(client.post("/auth/login", json={"email": new_email(), "password": PASSWORD}), 401)
            assert_error(client.post("/auth/login", json={"email": new_email(), "password": PASSWORD}), 429)
    finally:
        suite.stop()


def test_without_guests_a_browser_must_sign_in(tmp_path: Path) -> None:
    from tests.security.conftest import start_suite

    suite = start_suite(tmp_path, AUTH_MODE="accounts")
    try:
        with browser(suite) as client:
            assert client.get("/auth/config").json()["allow_guests"] is False
            assert_error(client.get("/conversations"), 401, code="unauthenticated")
            assert_error(client.post("/messages", json={"text": "hi"}), 401, code="unauthenticated")
            headers = {"X-Session-Id": "b" * 32}
            for method, path in (("GET", "/chat/history"), ("GET", "/profile"), ("GET", "/messages/" + "c" * 32)):
                assert_error(client.request(method, path, headers=headers), 401, code="unauthenticated")
            assert "chat_session" not in client.cookies  # no guest cookie is handed out
            assert client.post("/auth/signup", json={"email": new_email(), "password": PASSWORD}).status_code == 201
            assert client.get("/conversations").status_code == 200
    finally:
        suite.stop()


def test_guest_mode_has_no_account_endpoints(suite: Suite) -> None:
    with httpx.Client(base_url=suite.base_url, timeout=30) as client:
        assert client.get("/auth/config").json()["mode"] == "guest"
        assert_error(
            client.post("/auth/signup", json={"email": new_email(), "password": PASSWORD}), 404, code="accounts_disabled"
        )
        assert_error(client.get("/auth/me"), 404, code="accounts_disabled")


def test_sessions_outlive_a_redis_flush_and_a_redis_outage_is_a_503(tmp_path: Path) -> None:
    """PostgreSQL holds the sessions; Redis only a copy. A flushed Redis costs nothing but a
    database read; a Redis that is down is a bounded 503, never a 500 or a signed-out user."""
    from tests.security.conftest import start_suite

    suite = start_suite(tmp_path, AUTH_MODE="accounts")
    try:
        with signed_up(suite) as client:
            assert client.get("/auth/me").status_code == 200
            redis = Redis.from_url(suite.redis_url or "")
            redis.flushall()
            redis.close()
            assert client.get("/auth/me").status_code == 200
            suite.kill("redis")
            response = client.get("/auth/me", timeout=15)
            assert_error(response, 503, code="service_unavailable")
            assert response.headers["Retry-After"] and response.elapsed.total_seconds() < 5
            suite.restart("redis")
            assert client.get("/auth/me").status_code == 200
    finally:
        suite.stop()
