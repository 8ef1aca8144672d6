"""The per-process index cache stays equal to what Redis holds, with the fewest reads."""

from __future__ import annotations

import json
import uuid

import pytest

from chat_common.redis_client import connect
from context_service.engine import ContextConfig, ContextEngine, Turn
from context_service.engine.semantic import SemanticReader
from context_service.store import TurnStore


def exchange(turn_id: str, user: str, assistant: str) -> list[Turn]:
    return [Turn(f"{turn_id}:u", "user", user, 1.0), Turn(f"{turn_id}:a", "assistant", assistant, 1.0)]


@pytest.fixture
async def redis(redis_url: str):
    client = connect(redis_url)
    yield client
    await client.aclose()


def new_session() -> str:
    return "store-test-" + uuid.uuid4().hex


def turn_ids(index) -> list[str]:
    return [t.turn_id for t in index.turns]


async def test_turns_this_process_appends_extend_its_cached_index_without_a_read(redis, tokenizer) -> None:
    sid = new_session()
    store = TurnStore(redis, ContextEngine(tokenizer), cache_size=8)
    await store.append(sid, "t1", exchange("t1", "My name is Ada.", "Hello Ada."))
    index = await store.index(sid)
    await store.append(sid, "t2", exchange("t2", "I live in Paris.", "Nice."))
    assert turn_ids(index) == ["t1:u", "t1:a", "t2:u", "t2:a"], "extended at append time"
    assert await store.index(sid) is index


async def test_another_replicas_appends_and_clears_are_seen(redis, tokenizer) -> None:
    sid = new_session()
    mine = TurnStore(redis, ContextEngine(tokenizer), cache_size=8)
    other = TurnStore(redis, ContextEngine(tokenizer), cache_size=8)
    await mine.append(sid, "t1", exchange("t1", "one", "uno"))
    await mine.index(sid)
    await other.append(sid, "t2", exchange("t2", "two", "dos"))
    # Mine missed t2: its next append must not extend a cache with a hole in it.
    await mine.append(sid, "t3", exchange("t3", "three", "tres"))
    assert turn_ids(await mine.index(sid)) == ["t1:u", "t1:a", "t2:u", "t2:a", "t3:u", "t3:a"]
    await other.clear(sid)
    await other.append(sid, "t4", exchange("t4", "four", "cuatro"))
    assert turn_ids(await mine.index(sid)) == ["t4:u", "t4:a"], "a clear elsewhere rebuilds the cache"


async def test_a_repeated_append_changes_nothing(redis, tokenizer) -> None:
    sid = new_session()
    store = TurnStore(redis, ContextEngine(tokenizer), cache_size=8)
    assert (await store.append(sid, "t1", exchange("t1", "a", "b")))[0] is True
    await store.index(sid)
    assert await store.append(sid, "t1", exchange("t1", "a", "b")) == (False, 2)
    assert turn_ids(await store.index(sid)) == ["t1:u", "t1:a"]


@pytest.fixture
async def archive(database_url: str):
    from chat_common.database import DatabaseSettings, migrate, open_engine
    from context_service.db import MIGRATIONS, VERSION_TABLE
    from context_service.db.archive import TurnArchive

    engine = open_engine(DatabaseSettings(database_url=database_url), "tests")
    await migrate(engine, MIGRATIONS, VERSION_TABLE)
    yield TurnArchive(engine)
    await engine.dispose()


async def test_a_session_redis_lost_is_rebuilt_from_postgresql_with_its_profile(redis, tokenizer, archive) -> None:
    sid = new_session()
    store = TurnStore(redis, ContextEngine(tokenizer), cache_size=8, archive=archive)
    await store.append(sid, "t1", exchange("t1", "My name is Ada and I live in Paris.", "Hello Ada."))
    await store.append(sid, "t2", exchange("t2", "I work as a nurse.", "Noted."))
    before = {(f.key, f.value) for f in (await store.index(sid)).profile.facts()}
    await redis.flushall()
    for reader in (store, TurnStore(redis, ContextEngine(tokenizer), cache_size=8, archive=archive)):
        index = await reader.index(sid)
        assert turn_ids(index) == ["t1:u", "t1:a", "t2:u", "t2:a"]
        assert {(f.key, f.value) for f in index.profile.facts()} == before != set()
    assert await store.append(sid, "t2", exchange("t2", "I work as a nurse.", "Noted.")) == (False, 4), "ids restored too"


async def test_a_cleared_session_stays_empty_after_redis_is_lost(redis, tokenizer, archive) -> None:
    sid = new_session()
    store = TurnStore(redis, ContextEngine(tokenizer), cache_size=8, archive=archive)
    await store.append(sid, "t1", exchange("t1", "forget me", "ok"))
    await store.clear(sid)
    await redis.flushall()
    assert turn_ids(await store.index(sid)) == []


async def test_a_turn_appended_after_redis_lost_the_session_joins_the_restored_ones(redis, tokenizer, archive) -> None:
    sid = new_session()
    store = TurnStore(redis, ContextEngine(tokenizer), cache_size=8, archive=archive)
    await store.append(sid, "t1", exchange("t1", "My name is Ada.", "Hello Ada."))
    await redis.flushall()  # lost between a build and its append
    assert await store.append(sid, "t2", exchange("t2", "I am a nurse.", "Noted.")) == (True, 4)
    assert turn_ids(await store.index(sid)) == ["t1:u", "t1:a", "t2:u", "t2:a"]


async def test_turns_are_stored_with_their_vectors(redis, tokenizer, sentence_encoder) -> None:
    sid = new_session()
    engine = ContextEngine(tokenizer, ContextConfig(), SemanticReader(sentence_encoder))
    store = TurnStore(redis, engine, cache_size=8)

    async def stored_vectors() -> list[bool]:
        return [json.loads(item)["vector"] is not None for item in await redis.lrange(f"ctx:{{{sid}}}:turns", 0, -1)]

    await store.append(sid, "t1", exchange("t1", "I surf every weekend.", "Nice."))
    index = await store.index(sid)
    await store.append(sid, "t2", exchange("t2", "I also climb.", "Great."))
    assert await stored_vectors() == [True, True, True, True]
    assert index.unembedded == [] and index.vectors.count == 4, "held at once"
    rebuilt = await TurnStore(redis, engine, cache_size=8).index(sid)  # another replica, or a restart
    assert rebuilt.unembedded == [] and rebuilt.vectors.nbytes


async def test_a_retried_append_is_not_embedded_again(redis, tokenizer, sentence_encoder) -> None:
    class CountingEncoder:
        texts = 0

        def encode(self, texts, batch_size: int = 32):
            CountingEncoder.texts += len(texts)
            return sentence_encoder.encode(texts, batch_size)

    sid = new_session()
    store = TurnStore(redis, ContextEngine(tokenizer, ContextConfig(), SemanticReader(CountingEncoder())), cache_size=8)
    assert await store.append(sid, "t1", exchange("t1", "I surf every weekend.", "Nice.")) == (True, 2)
    assert CountingEncoder.texts == 2
    assert await store.append(sid, "t1", exchange("t1", "I surf every weekend.", "Nice.")) == (False, 2)
    assert CountingEncoder.texts == 2, "the retry was embedded again"
