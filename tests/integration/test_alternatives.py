"""Regenerate, edit and choose between alternatives: the branch on show, and the assistant's
memory, follow the user's choice (issue #13)."""

from __future__ import annotations

import uuid

import httpx

from suite.processes import Suite
from tests.integration.helpers import wait_done


def api(suite: Suite) -> httpx.Client:
    return httpx.Client(base_url=suite.base_url, timeout=30, headers={"X-Session-Id": "alt-" + uuid.uuid4().hex})


def say(client: httpx.Client, text: str) -> dict:
    response = client.post("/messages", json={"text": text})
    assert response.status_code == 202, response.text
    return wait_done(client, response.json()["job_id"])


def on_show(client: httpx.Client) -> list[dict]:
    return client.get("/chat/history").json()["items"]


def remembered(job: dict) -> int:
    """How many turns the memory held when this reply was written."""
    return int(job["result"]["context"]["turns_total"])


def test_a_regenerated_reply_is_an_alternative_and_the_old_one_can_be_shown_again(suite: Suite) -> None:
    with api(suite) as client:
        first = say(client, "Name a colour")
        response = client.post(f"/messages/{first['id']}/regenerate")
        assert response.status_code == 202, response.text
        again = wait_done(client, response.json()["job_id"])
        assert again["text"] == first["text"] and again["parent_id"] is None and again["id"] != first["id"]
        [shown] = on_show(client)
        assert shown["id"] == again["id"] and shown["alternative_ids"] == [first["id"], again["id"]]
        chosen = client.post(f"/messages/{first['id']}/select")
        assert chosen.status_code == 200 and chosen.json()["conversation"]["id"] == first["conversation_id"]
        [shown] = on_show(client)
        assert shown["id"] == first["id"] and shown["alternative_ids"] == [first["id"], again["id"]]


def test_an_edit_drops_the_later_turns_from_the_branch_and_the_memory(suite: Suite) -> None:
    with api(suite) as client:
        m1, m2, m3 = say(client, "I have a cat"), say(client, "I live in Oslo"), say(client, "I like tea")
        assert remembered(m3) == 4
        response = client.patch(f"/messages/{m2['id']}", json={"text": "I live in Bergen"})
        assert response.status_code == 202, response.text
        edited = wait_done(client, response.json()["job_id"])
        assert edited["parent_id"] == m1["id"] and remembered(edited) == 2, "only m1 was remembered"
        assert [m["id"] for m in on_show(client)] == [m1["id"], edited["id"]]
        m4 = say(client, "What do you know?")
        assert m4["parent_id"] == edited["id"] and remembered(m4) == 4, "m1 and the edit"
        # Back to the original branch: m2 and m3 are on show, and remembered, again.
        client.post(f"/messages/{m2['id']}/select").raise_for_status()
        assert [m["id"] for m in on_show(client)] == [m1["id"], m2["id"], m3["id"]]
        m5 = say(client, "And now?")
        assert m5["parent_id"] == m3["id"] and remembered(m5) == 6


def test_actions_on_messages_refuse_bad_input_clearly(suite: Suite) -> None:
    with api(suite) as client, api(suite) as other:
        message = say(client, "hello")
        upload = client.post("/files", files={"file": ("a.txt", b"some text", "text/plain")})
        wait_done(client, upload.json()["job_id"])
        cases = [
            (client.post(f"/messages/{upload.json()['job_id']}/regenerate"), 400, "not_regenerable"),
            (client.patch(f"/messages/{message['id']}", json={"text": "   "}), 400, "message_empty"),
            (client.patch(f"/messages/{message['id']}", json={}), 422, "invalid_request"),
            (other.post(f"/messages/{message['id']}/regenerate"), 404, "job_not_found"),
            (other.patch(f"/messages/{message['id']}", json={"text": "mine"}), 404, "job_not_found"),
            (other.post(f"/messages/{message['id']}/select"), 404, "job_not_found"),
            (client.post("/messages/" + "f" * 32 + "/select"), 404, "job_not_found"),
            (client.post("/messages/nonsense/regenerate"), 404, "job_not_found"),
        ]
        for response, status, code in cases:
            assert (response.status_code, response.json()["code"]) == (status, code), response.request.url
