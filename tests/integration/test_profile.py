"""The owner's profile across conversations: learned in one, shown to the model in another,
edited by the owner, and a deleted fact never used nor learned again (issue #13)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite
from tests.fakes import FakeGemini
from tests.integration.helpers import wait_done


@pytest.fixture(scope="module")
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory, gemini: FakeGemini) -> Iterator[Suite]:
    env = {"PROVIDERS": "gemini,fallback", "GEMINI_API_KEY": gemini.api_key, "GEMINI_BASE_URL": gemini.url, **NO_RATE_LIMITS}
    running = Suite(data_dir=tmp_path_factory.mktemp("profile"), env=env).start()
    yield running
    running.stop()


def api(suite: Suite) -> httpx.Client:
    return httpx.Client(base_url=suite.base_url, timeout=30, headers={"X-Session-Id": "me-" + uuid.uuid4().hex})


def ask(client: httpx.Client, gemini: FakeGemini, conversation: str, text: str) -> str:
    """Sends a message; returns everything the model was sent for it."""
    job = client.post(f"/conversations/{conversation}/messages", json={"text": text}).json()
    assert wait_done(client, job["job_id"])["status"] == "done"
    chats = [b for b in gemini.bodies() if "You name conversations" not in json.dumps(b)]
    return json.dumps(chats[-1])


def facts(client: httpx.Client) -> dict[str, str]:
    return {f["key"]: f["value"] for f in client.get("/profile").json()["profile"]["facts"]}


def test_a_profile_follows_its_owner_across_conversations_and_obeys_their_edits(suite: Suite, gemini: FakeGemini) -> None:
    gemini.reset()
    with api(suite) as client, api(suite) as stranger:
        first = client.post("/conversations", json={}).json()["conversation"]["id"]
        ask(client, gemini, first, "My name is Ada and I live in Paris.")
        assert facts(client) == {"name": "Ada", "location": "Paris"}
        assert facts(stranger) == {}

        second = client.post("/conversations", json={}).json()["conversation"]["id"]
        sent = ask(client, gemini, second, "Hello again")
        assert "name: Ada" in sent and "location: Paris" in sent, "learned in another conversation"

        edited = client.patch("/profile/facts/location", json={"value": "Lyon"})
        assert edited.status_code == 200 and edited.json()["fact"] == {**edited.json()["fact"], "value": "Lyon", "edited": True}
        assert "location: Lyon" in ask(client, gemini, first, "Any news?"), "the owner's word wins"

        assert client.delete("/profile/facts/name").json() == {"success": True, "deleted": True}
        assert "name" not in facts(client)
        sent = ask(client, gemini, second, "My name is Ada, remember?")
        assert "name: Ada" not in sent
        assert "name" not in facts(client), "a deleted fact is not learned again from chat"

        client.patch("/profile/facts/name", json={"value": "Ada L."}).raise_for_status()
        assert facts(client)["name"] == "Ada L."
        assert client.get("/chat/profile").json() == client.get("/profile").json()


def test_bad_profile_edits_get_clear_errors(suite: Suite) -> None:
    with api(suite) as client:
        cases = [
            (client.patch("/profile/facts/Not-A-Key", json={"value": "x"}), 422, "invalid_request"),
            (client.patch("/profile/facts/name", json={"value": " \t "}), 400, "invalid_argument"),
            (client.patch("/profile/facts/name", json={"value": ""}), 422, "invalid_request"),
            (client.patch("/profile/facts/name", json={"value": "x" * 501}), 422, "invalid_request"),
            (client.delete("/profile/facts/never_set"), 404, "fact_not_found"),
            (client.delete("/profile/facts/" + "a" * 41), 422, "invalid_request"),
        ]
        for response, status, code in cases:
            assert (response.status_code, response.json()["code"]) == (status, code), response.request.url


def test_the_first_exchange_answered_by_a_model_names_the_conversation(suite: Suite, gemini: FakeGemini) -> None:
    gemini.reset()
    gemini.chunks = ["Bees", " and", " their", " honey."]
    with api(suite) as client:
        named = client.post("/conversations", json={}).json()["conversation"]["id"]
        ask(client, gemini, named, "Tell me how bees make honey and why it keeps so long")
        renamed = client.post("/conversations", json={}).json()["conversation"]["id"]
        client.patch(f"/conversations/{renamed}", json={"title": "Mine"}).raise_for_status()
        ask(client, gemini, renamed, "Another question about bees")
        deadline = time.monotonic() + 10
        while client.get(f"/conversations/{named}").json()["conversation"]["title"] != "Bees and their honey":
            assert time.monotonic() < deadline, client.get(f"/conversations/{named}").json()
            time.sleep(0.2)
        assert client.get(f"/conversations/{renamed}").json()["conversation"]["title"] == "Mine", "the user's title stays"
        titled = [b for b in gemini.bodies() if "You name conversations" in json.dumps(b)]
        assert len(titled) == 1, "only the conversation the user had not named asks for a title"
