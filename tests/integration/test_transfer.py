"""Export a conversation (JSON with every branch, or Markdown of the branch on show) and import
the JSON back as a new conversation with the same shape and memory."""

from __future__ import annotations

import json
import uuid

import httpx

from suite.processes import Suite
from tests.integration.helpers import wait_done


def api(suite: Suite) -> httpx.Client:
    return httpx.Client(base_url=suite.base_url, timeout=30, headers={"X-Session-Id": "move-" + uuid.uuid4().hex})


def say(client: httpx.Client, text: str) -> dict:
    return wait_done(client, client.post("/messages", json={"text": text}).json()["job_id"])


def test_an_exported_conversation_imports_back_with_its_branches_and_memory(suite: Suite) -> None:
    with api(suite) as client:
        first = say(client, "My name is Ada")
        second = say(client, "I keep bees")
        again = wait_done(client, client.post(f"/messages/{second['id']}/regenerate").json()["job_id"])
        conversation = first["conversation_id"]
        client.patch(f"/conversations/{conversation}", json={"title": "Bees & me"}).raise_for_status()

        exported = client.get(f"/conversations/{conversation}/export")
        assert exported.status_code == 200
        assert exported.headers["content-disposition"] == 'attachment; filename="bees-me.json"'
        doc = exported.json()
        assert doc["format"] == "chat-assistant.conversation" and doc["leaf_id"] == again["id"]
        assert [m["id"] for m in doc["messages"]] == [first["id"], second["id"], again["id"]]

        imported = client.post("/conversations/import", json=doc)
        assert imported.status_code == 201, imported.text
        copy = imported.json()["conversation"]
        assert copy["id"] != conversation and copy["title"] == "Bees & me" and copy["message_count"] == 3
        shown = client.get(f"/conversations/{copy['id']}/messages").json()["items"]
        assert [m["text"] for m in shown] == ["My name is Ada", "I keep bees"]
        assert [m["result"]["reply"] for m in shown] == [first["result"]["reply"], again["result"]["reply"]]
        assert len(shown[1]["alternative_ids"]) == 2 and not {m["id"] for m in shown} & {first["id"], again["id"]}
        # The imported replies are remembered: the branch on show (two exchanges) is the memory.
        job = client.post(f"/conversations/{copy['id']}/messages", json={"text": "What do you know?"}).json()
        assert wait_done(client, job["job_id"])["result"]["context"]["turns_total"] == 4


def test_markdown_shows_the_branch_on_show(suite: Suite) -> None:
    with api(suite) as client:
        first = say(client, "Plan a garden")
        old = say(client, "With roses")
        edited = wait_done(client, client.patch(f"/messages/{old['id']}", json={"text": "With tulips"}).json()["job_id"])
        response = client.get(f"/conversations/{first['conversation_id']}/export", params={"format": "markdown"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/markdown")
        text = response.text
        assert text.startswith("# Plan a garden") and "With tulips" in text and "With roses" not in text
        assert edited["result"]["reply"] in text


def test_bad_imports_and_others_exports_are_refused_clearly(suite: Suite) -> None:
    with api(suite) as client, api(suite) as other:
        first = say(client, "hello")
        doc = client.get(f"/conversations/{first['conversation_id']}/export").json()
        assert other.get(f"/conversations/{first['conversation_id']}/export").status_code == 404
        orphan = json.loads(json.dumps(doc))
        orphan["messages"][0]["parent_id"] = "not-earlier"
        cases = [
            (client.post("/conversations/import", json={**doc, "format": "something else"}), 422, "invalid_request"),
            (client.post("/conversations/import", json={**doc, "messages": []}), 422, "invalid_request"),
            (client.post("/conversations/import", json=orphan), 400, "invalid_argument"),
            (client.post("/conversations/import", json={**doc, "leaf_id": "nowhere"}), 400, "invalid_argument"),
            (client.get(f"/conversations/{first['conversation_id']}/export", params={"format": "pdf"}), 422, "invalid_request"),
            (
                client.post("/conversations/import", content=b"{" * 10, headers={"content-type": "application/json"}),
                422,
                "invalid_request",
            ),
        ]
        for response, status, code in cases:
            assert (response.status_code, response.json()["code"]) == (status, code), response.request.url
