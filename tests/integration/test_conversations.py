"""Conversations through the REST gateway: the API of issue #13 on the real suite."""

from __future__ import annotations

import uuid

import httpx

from suite.processes import Suite
from tests.integration.helpers import wait_done


def api(suite: Suite) -> httpx.Client:
    """An API client with a session of its own."""
    return httpx.Client(base_url=suite.base_url, timeout=30, headers={"X-Session-Id": "conv-" + uuid.uuid4().hex})


def new_conversation(client: httpx.Client, title: str | None = None) -> dict:
    response = client.post("/conversations", json={"title": title} if title else {})
    assert response.status_code == 201, response.text
    return response.json()["conversation"]


def test_a_conversation_is_created_listed_renamed_and_deleted(suite: Suite) -> None:
    with api(suite) as client:
        made = new_conversation(client, "Trip plans")
        assert made["title"] == "Trip plans" and made["message_count"] == 0
        listed = client.get("/conversations").json()
        assert listed["items"][0]["id"] == made["id"] and listed["next_cursor"] is None
        renamed = client.patch(f"/conversations/{made['id']}", json={"title": "Lisbon"})
        assert renamed.status_code == 200 and renamed.json()["conversation"]["title"] == "Lisbon"
        assert client.get(f"/conversations/{made['id']}").json()["conversation"]["title"] == "Lisbon"
        deleted = client.delete(f"/conversations/{made['id']}")
        assert deleted.status_code == 200 and deleted.json() == {"success": True, "deleted_messages": 0}
        gone = client.get(f"/conversations/{made['id']}")
        assert gone.status_code == 404 and gone.json()["code"] == "conversation_not_found"


def test_messages_go_to_the_named_conversation_and_page_back_in_time(suite: Suite) -> None:
    with api(suite) as client:
        first = new_conversation(client)
        second = new_conversation(client)
        ids = []
        for n in range(3):
            response = client.post(f"/conversations/{first['id']}/messages", json={"text": f"first {n}"})
            assert response.status_code == 202 and response.json()["job"]["conversation_id"] == first["id"]
            ids.append(response.json()["job_id"])
        for job_id in ids:
            wait_done(client, job_id)
        page = client.get(f"/conversations/{first['id']}/messages", params={"limit": 2}).json()
        assert [m["text"] for m in page["items"]] == ["first 1", "first 2"] and page["next_cursor"]
        older = client.get(f"/conversations/{first['id']}/messages", params={"cursor": page["next_cursor"]}).json()
        assert [m["text"] for m in older["items"]] == ["first 0"] and older["next_cursor"] is None
        assert all(m["status"] == "done" and m["result"]["reply"] for m in page["items"])
        assert client.get(f"/conversations/{second['id']}/messages").json()["items"] == []
        # The design document's endpoints work on the most recent conversation: now the first.
        assert [m["id"] for m in client.get("/chat/history").json()["items"]] == ids
        assert client.get("/conversations").json()["items"][0]["title"] == "first 0"


def test_the_design_documents_endpoints_use_a_new_conversation_once_one_is_started(suite: Suite) -> None:
    with api(suite) as client:
        old = client.post("/messages", json={"text": "an old topic"}).json()
        wait_done(client, old["job_id"])
        fresh = new_conversation(client)
        assert client.get("/chat/history").json()["items"] == []
        new = client.post("/messages", json={"text": "a new topic"}).json()
        assert new["job"]["conversation_id"] == fresh["id"] != old["job"]["conversation_id"]
        assert client.get(f"/conversations/{old['job']['conversation_id']}/messages").json()["items"][0]["text"] == "an old topic"


def test_search_finds_a_conversation_by_a_word_of_its_messages(suite: Suite) -> None:
    with api(suite) as client:
        target = new_conversation(client)
        new_conversation(client, "something else")
        job = client.post(f"/conversations/{target['id']}/messages", json={"text": "my parrot learned to whistle"}).json()
        wait_done(client, job["job_id"])
        found = client.get("/conversations", params={"q": "parrots"}).json()["items"]
        assert [c["id"] for c in found] == [target["id"]]
        assert client.get("/conversations", params={"q": "giraffe"}).json()["items"] == []


def test_bad_input_gets_a_clear_error_and_never_a_500(suite: Suite) -> None:
    with api(suite) as client:
        made = new_conversation(client)
        cases = [
            (client.get("/conversations", params={"cursor": "not-a-cursor"}), 400, "invalid_cursor"),
            (client.get(f"/conversations/{made['id']}/messages", params={"cursor": "eyJ4IjogMX0"}), 400, "invalid_cursor"),
            (client.get("/conversations/" + "0" * 32), 404, "conversation_not_found"),
            (client.get("/conversations/not-an-id"), 404, "conversation_not_found"),
            (client.get("/conversations/" + "x" * 65), 422, "invalid_request"),
            (client.patch(f"/conversations/{made['id']}", json={"title": ""}), 422, "invalid_request"),
            (client.patch(f"/conversations/{made['id']}", json={"title": "x" * 201}), 422, "invalid_request"),
            (client.post("/conversations/" + "0" * 32 + "/messages", json={"text": "hi"}), 404, "conversation_not_found"),
            (client.post(f"/conversations/{made['id']}/messages", json={"text": "  "}), 400, "message_empty"),
            (client.get("/conversations", params={"limit": 0}), 422, "invalid_request"),
        ]
        for response, status, code in cases:
            assert (response.status_code, response.json()["code"]) == (status, code), response.request.url


def test_another_sessions_conversation_is_a_404_everywhere(suite: Suite) -> None:
    with api(suite) as owner, api(suite) as other:
        made = new_conversation(owner, "private")
        job = owner.post(f"/conversations/{made['id']}/messages", json={"text": "secret plans"}).json()
        wait_done(owner, job["job_id"])
        cid = made["id"]
        attempts = [
            other.get(f"/conversations/{cid}"),
            other.patch(f"/conversations/{cid}", json={"title": "mine now"}),
            other.delete(f"/conversations/{cid}"),
            other.get(f"/conversations/{cid}/messages"),
            other.post(f"/conversations/{cid}/messages", json={"text": "hi"}),
            other.post(f"/conversations/{cid}/files", files={"file": ("a.txt", b"hello", "text/plain")}),
            other.get(f"/messages/{job['job_id']}"),
        ]
        assert [r.status_code for r in attempts] == [404] * len(attempts)
        assert other.get("/conversations", params={"q": "secret"}).json()["items"] == []
        assert owner.get(f"/conversations/{cid}").json()["conversation"]["title"] == "private"


def test_a_file_goes_to_the_named_conversation(suite: Suite) -> None:
    with api(suite) as client:
        made = new_conversation(client)
        response = client.post(f"/conversations/{made['id']}/files", files={"file": ("notes.txt", b"Buy milk.", "text/plain")})
        assert response.status_code == 202, response.text
        wait_done(client, response.json()["job_id"])
        [item] = client.get(f"/conversations/{made['id']}/messages").json()["items"]
        assert item["kind"] == "file" and item["file"]["name"] == "notes.txt"
        assert client.get("/conversations", params={"q": "notes"}).json()["items"][0]["id"] == made["id"]
