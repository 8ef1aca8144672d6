"""Conversations in PostgreSQL: ownership, order, full-text search, pages, titles, deletion."""

from __future__ import annotations

import uuid

import pytest

from chat_common import pb
from chat_common.errors import ErrorCode, InvalidArgument, NotFound
from job_service.db import cursors
from job_service.store import DONE
from tests.unit.jobs.conftest import Stores


def owner() -> str:
    return "owner-" + uuid.uuid4().hex[:8]


async def send(stores: Stores, who: str, text: str, conversation: str = "") -> pb.jobs.Job:
    request = pb.jobs.CreateJobRequest(session_id=who, kind=pb.common.JOB_KIND_MESSAGE, text=text, conversation_id=conversation)
    return (await stores.jobs.create(request)).job


async def test_the_most_recently_active_conversation_comes_first(stores: Stores) -> None:
    who, talk = owner(), stores.jobs.conversations
    older = await talk.create(who, "older")
    newer = await talk.create(who, "newer")
    page, _ = await talk.page(who, "", "", 10)
    assert [c.id for c in page] == [newer.id, older.id]
    await send(stores, who, "back to the old one", older.id)
    page, _ = await talk.page(who, "", "", 10)
    assert [c.id for c in page] == [older.id, newer.id] and page[0].message_count == 1


async def test_messages_without_a_conversation_go_to_the_most_recent_one(stores: Stores) -> None:
    who, talk = owner(), stores.jobs.conversations
    first = await send(stores, who, "hello")
    fresh = await talk.create(who)
    second = await send(stores, who, "a new topic")
    assert first.conversation_id != fresh.id and second.conversation_id == fresh.id


async def test_the_first_words_name_a_conversation_and_a_rename_wins(stores: Stores) -> None:
    who, talk = owner(), stores.jobs.conversations
    job = await send(stores, who, "Plan a three day trip to Lisbon in May with a small budget please")
    named = await talk.get(who, job.conversation_id)
    assert named.title == "Plan a three day trip to Lisbon in…"
    renamed = await talk.rename(who, job.conversation_id, "  Lisbon   trip ")
    await send(stores, who, "and what about food?")
    assert renamed.title == (await talk.get(who, job.conversation_id)).title == "Lisbon trip"


async def test_search_finds_words_in_titles_and_in_messages_and_replies(stores: Stores) -> None:
    who, talk = owner(), stores.jobs.conversations
    by_title = await talk.create(who, "Tax return questions")
    in_message = await send(stores, who, "my cat keeps sneezing", (await talk.create(who)).id)
    in_reply = await send(stores, who, "what should I cook", (await talk.create(who)).id)
    await stores.jobs.record_ending(in_reply, DONE, pb.jobs.JobResult(reply="Try a lentil soup."), "")
    await talk.create(who, "unrelated")

    async def found(query: str) -> set[str]:
        page, _ = await talk.page(who, query, "", 20)
        return {c.id for c in page}

    assert await found("taxes") == {by_title.id}, "stemmed: taxes matches tax"
    assert await found("sneeze") == {in_message.conversation_id}
    assert await found("lentils") == {in_reply.conversation_id}
    assert await found("lentil -soup") == set(), "web search syntax"
    assert await found("sneezing") != await found("tax"), "words of one owner only"
    assert (await talk.page(owner(), "tax", "", 20))[0] == []


async def test_pages_follow_the_cursor_without_gaps_or_repeats(stores: Stores) -> None:
    who, talk = owner(), stores.jobs.conversations
    made = [await talk.create(who, f"c{n}") for n in range(7)]
    seen, cursor = [], ""
    while True:
        page, cursor = await talk.page(who, "", cursor, 3)
        seen += [c.id for c in page]
        if not cursor:
            break
    assert seen == [c.id for c in reversed(made)]


async def test_a_cursor_that_was_not_given_out_is_refused(stores: Stores) -> None:
    for bad in ("nonsense", "e30", cursors.encode(1, "x")[:-2] + "!!", "W3RydWUsICJ4Il0"):
        with pytest.raises(InvalidArgument) as err:
            await stores.jobs.conversations.page(owner(), "", bad, 10)
        assert err.value.error_code == ErrorCode.INVALID_CURSOR


async def test_messages_page_back_in_time_oldest_first_within_a_page(stores: Stores) -> None:
    who = owner()
    conversation = (await stores.jobs.conversations.create(who)).id
    sent = [await send(stores, who, f"m{n}", conversation) for n in range(5)]
    async with stores.jobs.engine.connect() as conn:
        leaf = await stores.jobs.conversations.leaf(conn, conversation)
        latest, cursor = await stores.jobs.messages.page(conn, leaf, "", 2)
        older, cursor2 = await stores.jobs.messages.page(conn, leaf, cursor, 2)
        first, end = await stores.jobs.messages.page(conn, leaf, cursor2, 2)
    assert [m.text for m in latest + older + first] == ["m3", "m4", "m1", "m2", "m0"]
    assert end == "" and all(m.id in {s.id for s in sent} for m in first)
    assert [m.parent_id for m in latest + older + first] == [sent[2].id, sent[3].id, sent[0].id, sent[1].id, ""]


async def test_another_owners_conversation_is_not_found_for_every_action(stores: Stores) -> None:
    mine = await stores.jobs.conversations.create(owner(), "mine")
    thief, talk = owner(), stores.jobs.conversations
    for action in (
        talk.get(thief, mine.id),
        talk.rename(thief, mine.id, "taken"),
        talk.delete(thief, mine.id),
        send(stores, thief, "hi", mine.id),
        stores.jobs.history(thief, mine.id),
    ):
        with pytest.raises(NotFound) as err:
            await action
        assert err.value.error_code == ErrorCode.CONVERSATION_NOT_FOUND


async def test_deleting_a_conversation_removes_its_messages_and_returns_its_files(stores: Stores) -> None:
    who, talk = owner(), stores.jobs.conversations
    conversation = (await talk.create(who)).id
    await send(stores, who, "a message", conversation)
    upload = pb.jobs.CreateJobRequest(
        session_id=who,
        kind=pb.common.JOB_KIND_FILE,
        conversation_id=conversation,
        file=pb.jobs.FileRef(name="a.txt", media_type="text/plain", size_bytes=3, storage_key="k" * 32 + ".txt"),
    )
    await stores.jobs.create(upload)
    removed = await stores.jobs.delete(who, conversation)
    assert len(removed.messages) == 2 and [f.name for f in removed.files] == ["a.txt"]
    with pytest.raises(NotFound):
        await talk.get(who, conversation)
    assert await stores.jobs.history(who, "") == []
