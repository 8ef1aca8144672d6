"""No session can read, follow or clear another session's jobs, history or profile."""

from __future__ import annotations

import uuid

import httpx
import pytest

from suite.processes import Suite
from tests.security.helpers import assert_error, new_session, upload, wait_done


@pytest.fixture(scope="module")
def owner(suite: Suite) -> dict:
    """Session A with a finished message (that teaches the profile a fact) and a finished file."""
    headers = new_session()
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=headers) as a:
        sent = a.post("/messages", json={"text": "I live in Reykjavik and my name is Zoltan."})
        assert sent.status_code == 202, sent.text
        filed = upload(a, "secret-notes.txt", b"owner secret file content\n")
        assert filed.status_code == 202, filed.text
        message_id, file_id = sent.json()["job_id"], filed.json()["job_id"]
        assert wait_done(a, message_id)["status"] == "done"
        assert wait_done(a, file_id)["status"] == "done"
        profile = a.get("/chat/profile").json()["profile"]
    assert any(f["key"] == "location" for f in profile["facts"]), profile  # the positive control
    return {"headers": headers, "jobs": [message_id, file_id]}


def test_owner_can_read_its_own_jobs(suite: Suite, owner: dict) -> None:
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=owner["headers"]) as a:
        for job_id in owner["jobs"]:
            assert a.get(f"/messages/{job_id}").status_code == 200
        assert [i["id"] for i in a.get("/chat/history").json()["items"]] == owner["jobs"]


@pytest.mark.parametrize("path", ["/messages/{id}", "/messages/{id}/events", "/messages/{id}/events?after=0"])
def test_other_session_cannot_read_job_or_events(suite: Suite, owner: dict, path: str) -> None:
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=new_session()) as b:
        for job_id in owner["jobs"]:
            response = b.get(path.format(id=job_id))
            body = assert_error(response, 404, "not found")
            assert "Zoltan" not in response.text and "secret" not in body["error"]


def test_other_session_history_and_profile_are_its_own(suite: Suite, owner: dict) -> None:
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=new_session()) as b:
        history = b.get("/chat/history")
        assert history.status_code == 200 and history.json()["items"] == []
        profile = b.get("/chat/profile")
        assert profile.status_code == 200
        assert profile.json()["profile"]["facts"] == []
        assert "Reykjavik" not in profile.text and "Zoltan" not in profile.text


def test_clear_only_clears_own_session(suite: Suite, owner: dict) -> None:
    other = new_session()
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=other) as b:
        mine = b.post("/messages", json={"text": "a note of session B"}).json()["job_id"]
        wait_done(b, mine)
        cleared = b.delete("/chat/clear")
        assert cleared.status_code == 200 and cleared.json() == {"success": True, "cleared": 1}
        assert b.get("/chat/history").json()["items"] == []
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=owner["headers"]) as a:
        assert [i["id"] for i in a.get("/chat/history").json()["items"]] == owner["jobs"]
        facts = a.get("/chat/profile").json()["profile"]["facts"]
        assert any("reykjavik" in f["value"].lower() for f in facts)


def test_job_ids_are_unguessable(owner: dict) -> None:
    for job_id in owner["jobs"]:
        assert len(job_id) == 32 and int(job_id, 16) >= 0
    assert owner["jobs"][0][:16] != owner["jobs"][1][:16]


def _issue_cookie(suite: Suite) -> tuple[str, str]:
    with httpx.Client(base_url=suite.base_url) as fresh:
        response = fresh.get("/chat/history")
    header = response.headers["set-cookie"]
    name, _, value = header.split(";")[0].partition("=")
    return name, value


def test_session_cookie_attributes(suite: Suite) -> None:
    with httpx.Client(base_url=suite.base_url) as fresh:
        header = fresh.get("/chat/history").headers["set-cookie"]
    attributes = [a.strip().lower() for a in header.split(";")[1:]]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    session_id, _, signature = header.split(";")[0].partition("=")[2].rpartition(".")
    assert len(session_id) == 32 and len(signature) >= 20


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: v.rpartition(".")[0] + "." + "A" * len(v.rpartition(".")[2]),  # forged signature
        lambda v: uuid.uuid4().hex + "." + v.rpartition(".")[2],  # another id, the old signature
        lambda v: v.rpartition(".")[0],  # signature removed
        lambda v: v + "x",  # signature altered
        lambda v: "",  # empty
    ],
    ids=["forged-signature", "swapped-id", "unsigned", "altered", "empty"],
)
def test_tampered_cookie_gets_a_new_session_not_access(suite: Suite, tamper) -> None:
    name, value = _issue_cookie(suite)
    with httpx.Client(base_url=suite.base_url, timeout=30, cookies={name: value}) as a:
        job_id = a.post("/messages", json={"text": "cookie owner note"}).json()["job_id"]
        assert a.get(f"/messages/{job_id}").status_code == 200  # the genuine cookie works
    forged = tamper(value)
    with httpx.Client(base_url=suite.base_url, timeout=30) as attacker:
        response = attacker.get(f"/messages/{job_id}", headers={"cookie": f"{name}={forged}"})
        assert_error(response, 404, "not found")
        issued = response.headers.get("set-cookie", "")
        assert issued.startswith(f"{name}="), "a tampered cookie is replaced by a new session"
        assert issued.split(";")[0] != f"{name}={value}"
        history = attacker.get("/chat/history", headers={"cookie": f"{name}={forged}"})
        assert job_id not in history.text


def test_invalid_session_header_is_rejected_not_defaulted(suite: Suite) -> None:
    with httpx.Client(base_url=suite.base_url) as c:
        for bad in ("short", "has space in it", "x" * 129, "../../etc/passwd", "a;b=c,d"):
            assert_error(c.get("/chat/history", headers={"X-Session-Id": bad}), 400, "x-session-id")


def test_every_route_with_an_id_answers_404_for_another_sessions_conversation_and_messages(suite: Suite, owner: dict) -> None:
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=owner["headers"]) as a:
        message_id = owner["jobs"][0]
        conversation_id = a.get(f"/messages/{message_id}").json()["job"]["conversation_id"]
    routes = [
        ("GET", "/conversations/{c}", None),
        ("PATCH", "/conversations/{c}", {"title": "taken"}),
        ("DELETE", "/conversations/{c}", None),
        ("GET", "/conversations/{c}/messages", None),
        ("POST", "/conversations/{c}/messages", {"text": "hi"}),
        ("GET", "/conversations/{c}/export", None),
        ("GET", "/conversations/{c}/export?format=markdown", None),
        ("POST", "/messages/{m}/stop", None),
        ("POST", "/messages/{m}/regenerate", None),
        ("PATCH", "/messages/{m}", {"text": "mine now"}),
        ("POST", "/messages/{m}/select", None),
    ]
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=new_session()) as b:
        for method, path, body in routes:
            response = b.request(method, path.format(c=conversation_id, m=message_id), json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert "Zoltan" not in response.text and "Reykjavik" not in response.text
        uploaded = b.post(f"/conversations/{conversation_id}/files", files={"file": ("x.txt", b"x", "text/plain")})
        assert uploaded.status_code == 404
        assert b.get("/conversations", params={"q": "Reykjavik"}).json()["items"] == []
        assert b.get("/conversations").json()["items"] == []
        assert b.get("/profile").json()["profile"]["facts"] == []
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=owner["headers"]) as a:
        assert [i["id"] for i in a.get("/chat/history").json()["items"]] == owner["jobs"], "nothing of A changed"
        assert a.get(f"/conversations/{conversation_id}").json()["conversation"]["title"] != "taken"
