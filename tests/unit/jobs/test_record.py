"""The record in PostgreSQL and the moving parts in Redis: written in the right order, and
Redis refilled from the record when it loses everything."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select, text

from chat_common import pb
from chat_common.errors import ErrorCode, NotFound
from job_service.db.tables import messages
from job_service.keys import JobKeys
from job_service.settings import JobSettings
from job_service.store import DONE, PENDING
from job_service.worker import Worker
from tests.unit.jobs.conftest import Stores
from tests.unit.jobs.test_worker import FakeContext, FakeInference, reply

KEYS = JobKeys()  # one shard, as the stores of these tests


def message(owner: str, text: str = "hello", key: str = "", conversation: str = "") -> pb.jobs.CreateJobRequest:
    return pb.jobs.CreateJobRequest(
        session_id=owner, kind=pb.common.JOB_KIND_MESSAGE, text=text, idempotency_key=key, conversation_id=conversation
    )


def owner() -> str:
    return "owner-" + uuid.uuid4().hex[:8]


async def recorded(stores: Stores, job_id: str) -> dict:
    async with stores.jobs.engine.connect() as conn:
        row = (await conn.execute(select(messages).where(messages.c.id == job_id))).one()
    return dict(row._mapping)


async def lose_redis(stores: Stores) -> None:
    await stores.redis.flushall()
    await stores.queue.ensure_group()


async def test_a_message_is_recorded_pending_before_create_returns(stores: Stores) -> None:
    created = await stores.jobs.create(message(owner(), "what is the time"))
    row = await recorded(stores, created.job.id)
    assert row["status"] == PENDING and row["text"] == "what is the time"
    assert row["conversation_id"] == created.job.conversation_id != ""
    assert await stores.redis.exists(KEYS.job(created.job.id)), "and it is in flight"


async def test_an_idempotent_replay_after_redis_lost_everything_returns_the_job_and_requeues_it(stores: Stores) -> None:
    who = owner()
    first = await stores.jobs.create(message(who, key="k1"))
    await lose_redis(stores)
    again = await stores.jobs.create(message(who, key="k1"))
    assert (again.created, again.job.id) == (False, first.job.id)
    async with stores.jobs.engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM messages"))).scalar()
    assert count == 1
    assert await stores.redis.exists(KEYS.job(first.job.id)), "put back in flight"


async def test_the_ending_is_recorded_with_the_reply_before_the_terminal_event(stores: Stores) -> None:
    job = (await stores.jobs.create(message(owner()))).job
    seen_in_record: list[int] = []
    original = stores.store.finish

    async def finish(*args, **kwargs):  # the terminal event: what does the record say by then?
        seen_in_record.append((await recorded(stores, job.id))["status"])
        return await original(*args, **kwargs)

    stores.store.finish = finish  # type: ignore[method-assign]
    worker = Worker(JobSettings(job_workers=0), stores.jobs, stores.queue, FakeContext(), FakeInference(reply("Hi", "!")))
    await worker.process(await stores.queue.claim(100))
    row = await recorded(stores, job.id)
    assert seen_in_record == [DONE]
    assert (row["reply"], row["provider"], row["model"]) == ("Hi!", "local", "m")
    assert row["context"]["context_tokens"] == 42


async def test_a_second_ending_publishes_the_recorded_first_one(stores: Stores) -> None:
    job = (await stores.jobs.create(message(owner()))).job
    first = pb.jobs.JobResult(reply="first reply", provider="local")
    await stores.jobs.record_ending(job, DONE, first, "")
    # Redis still shows the job unfinished (the first worker died before its terminal event).
    worker = Worker(JobSettings(job_workers=0), stores.jobs, stores.queue, FakeContext(), FakeInference(reply("second")))
    await worker.process(await stores.queue.claim(100))
    assert (await stores.store.load(job.id)).result.reply == "first reply"
    assert (await recorded(stores, job.id))["reply"] == "first reply"


async def test_the_sweeper_requeues_what_redis_lost_once(stores: Stores) -> None:
    jobs = [(await stores.jobs.create(message(owner(), f"m{n}"))).job for n in range(3)]
    await lose_redis(stores)
    assert await stores.jobs.sweep(grace_ms=0, batch=2) == 3, "in batches"
    assert await stores.jobs.sweep(grace_ms=0) == 0, "never twice"
    assert await stores.redis.xlen(KEYS.queue(0)) == 3
    events = await stores.store.events_after(jobs[0].id, 0)
    assert [e.WhichOneof("payload") for e in events] == ["restarted", "status"]
    assert events[0].seq > 10**15, "the rebuilt log's seqs are above any of the old log's"


async def test_the_sweeper_leaves_young_and_finished_messages_alone(stores: Stores) -> None:
    young = (await stores.jobs.create(message(owner()))).job
    done = (await stores.jobs.create(message(owner()))).job
    await stores.jobs.record_ending(done, DONE, pb.jobs.JobResult(reply="x"), "")
    await lose_redis(stores)
    assert await stores.jobs.sweep(grace_ms=60_000) == 0
    assert await stores.jobs.sweep(grace_ms=0) == 1
    assert await stores.redis.exists(KEYS.job(young.id)) and not await stores.redis.exists(KEYS.job(done.id))


async def test_a_seq_of_the_lost_log_replays_the_whole_rebuilt_log(stores: Stores) -> None:
    who = owner()
    job = (await stores.jobs.create(message(who))).job
    for n in range(5):
        await stores.store.append_event(job.id, pb.jobs.JobEvent(delta=pb.jobs.TextDelta(text=str(n))))
    await lose_redis(stores)
    await stores.jobs.recover(who, job.id)
    holder, events = await stores.store.read_events(job.id, 6)
    assert holder == who and [e.WhichOneof("payload") for e in events] == ["restarted", "status"]
    _, later = await stores.store.read_events(job.id, events[0].seq)
    assert [e.seq for e in later] == [events[1].seq]


async def test_a_job_that_left_redis_is_read_from_the_record_and_never_by_another_owner(stores: Stores) -> None:
    who = owner()
    job = (await stores.jobs.create(message(who))).job
    await stores.jobs.record_ending(job, DONE, pb.jobs.JobResult(reply="kept"), "")
    await stores.redis.delete(KEYS.job(job.id), KEYS.events(job.id))  # its TTL ran out
    assert (await stores.jobs.get(who, job.id)).result.reply == "kept"
    with pytest.raises(NotFound) as err:
        await stores.jobs.get(owner(), job.id)
    assert err.value.error_code == ErrorCode.JOB_NOT_FOUND


async def test_first_messages_sent_at_once_share_one_new_conversation(stores: Stores) -> None:
    who = owner()
    created = await asyncio.gather(*(stores.jobs.create(message(who, f"m{n}")) for n in range(5)))
    assert len({c.job.conversation_id for c in created}) == 1


async def test_history_shows_the_live_status_of_jobs_in_flight(stores: Stores) -> None:
    who = owner()
    job = (await stores.jobs.create(message(who))).job
    await stores.store.begin(job.id, max_attempts=3)
    [shown] = await stores.jobs.history(who, "")
    assert shown.status == pb.common.JOB_STATUS_PROCESSING and shown.attempts == 1


def items(*requests: pb.jobs.CreateJobRequest) -> list[tuple[pb.jobs.CreateJobRequest, str, dict[str, str]]]:
    return [(request, "", {}) for request in requests]


async def test_a_batch_chains_each_conversations_messages_and_fails_an_unknown_conversation_alone(stores: Stores) -> None:
    alice, bob = owner(), owner()
    named = (await stores.jobs.create(message(alice, "first"))).job.conversation_id
    outcomes = await stores.jobs.create_many(
        items(
            message(alice, "second", conversation=named),
            message(bob, "bob's first"),
            message(alice, "lost", conversation="no-such-conversation"),
            message(bob, "bob's second"),
            message(bob, "into alice's", conversation=named),
            message(alice, "third", conversation=named),
        )
    )
    assert isinstance(outcomes[2], NotFound) and isinstance(outcomes[4], NotFound), "unknown, or another owner's"
    second, bob1, _, bob2, _, third = outcomes
    assert second.job.conversation_id == third.job.conversation_id == named
    assert bob1.job.conversation_id == bob2.job.conversation_id != named
    history = [job.text for job in await stores.jobs.history(alice, named)]
    assert history == ["first", "second", "third"], "one chain, in the batch's order"
    assert [job.text for job in await stores.jobs.history(bob, "")] == ["bob's first", "bob's second"]
    async with stores.jobs.engine.connect() as conn:
        parents = dict((await conn.execute(select(messages.c.id, messages.c.parent_id))).all())
    assert parents[third.job.id] == second.job.id and parents[bob2.job.id] == bob1.job.id and parents[bob1.job.id] is None


async def test_a_key_used_twice_in_a_batch_or_by_batches_at_once_makes_one_message(stores: Stores) -> None:
    who = owner()
    outcomes = await stores.jobs.create_many(items(message(who, "once", key="k"), message(who, "once", key="k")))
    assert [o.created for o in outcomes] == [True, False] and outcomes[0].job.id == outcomes[1].job.id
    # Into different conversations, so that no conversation's lock orders the batches.
    talks = [(await stores.jobs.conversations.create(who)).id for _ in range(6)]
    raced = await asyncio.gather(
        *(
            stores.jobs.create_many(items(message(who, "raced", key="r", conversation=c), message(who, "other", conversation=c)))
            for c in talks
        )
    )
    made = {batch[0].job.id for batch in raced}
    assert len(made) == 1 and sum(batch[0].created for batch in raced) == 1
    async with stores.jobs.engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM messages WHERE text = 'raced'"))).scalar()
    assert count == 1
    for talk in talks:
        assert [job.text for job in await stores.jobs.history(who, talk)][-1] == "other", "the rest of each batch is kept"
