"""A session's turns in Redis, recorded first in PostgreSQL, and a per-process cache of their
indexes.

PostgreSQL holds every turn (context_service/db/); Redis holds the working copy the builds
read. A session Redis no longer has (a FLUSHALL, a restart without its data) is copied back
from PostgreSQL the first time it is read.

Turns are only ever appended (idempotently, per turn id) or cleared. Each clear bumps the
session's generation, so a cached index is current when its generation matches and it
holds as many turns as Redis: otherwise the missing tail is appended, never the whole
history re-read or re-tokenised. Reading that state and the missing tail is one round
trip; turns this process appends go into its cached index at once, so the next build
usually reads no turns at all.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict

from redis.asyncio import Redis

from chat_common.redis_client import tagged
from context_service.db.archive import TurnArchive
from context_service.engine import ContextEngine, SessionIndex, Turn

log = logging.getLogger("context_service.store")

_APPEND = """
-- KEYS: ids, turns. ARGV: turn_id, turn json...
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return -1 end
for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
return redis.call('LLEN', KEYS[2])
"""

_READ = """
-- KEYS: gen, turns. ARGV: the cached index's generation and turn count.
-- Returns the generation, the length, then the turns the cache lacks (all, if stale).
local gen = redis.call('GET', KEYS[1]) or '0'
local length = redis.call('LLEN', KEYS[2])
local from = tonumber(ARGV[2])
if gen ~= ARGV[1] or from > length then from = 0 end
local reply = {gen, length}
if from < length then
  for _, turn in ipairs(redis.call('LRANGE', KEYS[2], from, length - 1)) do reply[#reply + 1] = turn end
end
return reply
"""


_RESTORE = """
-- KEYS: ids, turns, gen. ARGV: count of ids n, n ids, then the turns. Replaces the working
-- copy with what PostgreSQL holds, and bumps the generation so every cached index rebuilds.
redis.call('DEL', KEYS[1], KEYS[2])
local n = tonumber(ARGV[1])
for i = 2, n + 1 do redis.call('SADD', KEYS[1], ARGV[i]) end
for i = n + 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('INCR', KEYS[3])
return 1
"""


def _turns_key(session_id: str) -> str:
    return tagged("ctx", session_id, "turns")


def _ids_key(session_id: str) -> str:
    return tagged("ctx", session_id, "ids")


def _gen_key(session_id: str) -> str:
    return tagged("ctx", session_id, "gen")


class TurnStore:
    def __init__(self, redis: Redis, engine: ContextEngine, cache_size: int, archive: TurnArchive | None = None) -> None:
        self.redis = redis
        self.archive = archive
        self.engine = engine
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[int, SessionIndex]] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._append = redis.register_script(_APPEND)
        self._read = redis.register_script(_READ)
        self._restore = redis.register_script(_RESTORE)

    def _lock(self, session_id: str) -> asyncio.Lock:
        return self._locks.setdefault(session_id, asyncio.Lock())

    async def append(self, session_id: str, turn_id: str, turns: list[Turn]) -> tuple[bool, int]:
        """Stores the turns of one exchange once. Returns (appended, turns in the session)."""
        for turn in turns:
            if turn.tokens <= 0:
                # ~0.1 ms per turn: cheaper inline than a thread hop.
                turn.tokens = self.engine.tok.count(turn.content)
        if self.engine.semantic is not None and not await self.redis.sismember(_ids_key(session_id), turn_id):
            # Before they are stored, so that their vectors are kept with them (a retry of a
            # stored exchange skips it); if the encoder fails they are stored without, and
            # embedded before a build needs them.
            await self.engine.semantic.embed_async(turns)
        if self.archive is not None:
            await self.archive.append(session_id, turn_id, [t.to_dict() for t in turns])
        async with self._lock(session_id):
            total = await self._append(
                keys=[_ids_key(session_id), _turns_key(session_id)],
                args=[turn_id, *(json.dumps(t.to_dict()) for t in turns)],
            )
            if total == -1:
                return False, await self.redis.llen(_turns_key(session_id))
            if total == len(turns) and await self._restored(session_id, more_than=1):
                # The session was empty in Redis but not in PostgreSQL: Redis lost it.
                self._cache.pop(session_id, None)
                return True, int(await self.redis.llen(_turns_key(session_id)))
            cached = self._cache.get(session_id)
            if cached is not None and len(cached[1]) == total - len(turns):
                # The cache held everything before these turns: extend it instead of re-reading.
                # (A clear by another replica meanwhile changes the generation; index() rebuilds.)
                for turn in turns:
                    self.engine.append(cached[1], turn)
            return True, int(total)

    async def index(self, session_id: str) -> SessionIndex:
        """The session's index, brought up to date with Redis in one round trip."""
        async with self._lock(session_id):
            cached = self._cache.get(session_id)
            reply = await self._read(
                keys=[_gen_key(session_id), _turns_key(session_id)],
                args=[cached[0] if cached else -1, len(cached[1]) if cached else 0],
            )
            gen, length, missing = int(reply[0]), int(reply[1]), reply[2:]
            if length == 0 and (cached is None or len(cached[1]) > 0) and await self._restored(session_id):
                reply = await self._read(keys=[_gen_key(session_id), _turns_key(session_id)], args=[-1, 0])
                gen, length, missing = int(reply[0]), int(reply[1]), reply[2:]
                cached = None  # rebuilt whole from what was restored
            if cached is None or cached[0] != gen or len(cached[1]) > length:
                cached = (gen, self.engine.new_index())
            _, index = cached
            for item in missing:
                self.engine.append(index, Turn.from_dict(json.loads(item)))
            self._cache[session_id] = cached
            self._cache.move_to_end(session_id)
            while len(self._cache) > self.cache_size:
                evicted, _ = self._cache.popitem(last=False)
                self._locks.pop(evicted, None)
            return index

    async def set_branch(self, session_id: str, turn_ids: list[str]) -> None:
        """The memory becomes exactly these exchanges, in the order they were appended (a branch
        is always appended in order), of those stored. Other replicas' caches rebuild (gen)."""
        async with self._lock(session_id):
            if self.archive is not None:
                await self.archive.set_branch(session_id, turn_ids)
                await self._restored(session_id, more_than=-1)
            else:
                wanted = set(turn_ids)
                raw = await self.redis.lrange(_turns_key(session_id), 0, -1)
                kept = [item for item in raw if json.loads(item)["turn_id"].split(":")[0] in wanted]
                ids = sorted({json.loads(item)["turn_id"].split(":")[0] for item in kept})
                await self._restore(
                    keys=[_ids_key(session_id), _turns_key(session_id), _gen_key(session_id)], args=[len(ids), *ids, *kept]
                )
            self._cache.pop(session_id, None)

    async def _restored(self, session_id: str, more_than: int = 0) -> bool:
        """Copies a session Redis lost back from PostgreSQL, if PostgreSQL holds more than
        `more_than` of its exchanges; False if it did not."""
        if self.archive is None:
            return False
        exchanges = await self.archive.read(session_id)
        if len(exchanges) <= more_than:
            return False
        ids = [turn_id for turn_id, _ in exchanges]
        turns = [turn for _, items in exchanges for turn in items]
        await self._restore(
            keys=[_ids_key(session_id), _turns_key(session_id), _gen_key(session_id)], args=[len(ids), *ids, *turns]
        )
        if more_than >= 0:
            log.warning("restored %d turns of a session from PostgreSQL", len(turns))
        return True

    async def clear(self, session_id: str, deleted: bool = False) -> int:
        """Empties the session. A cleared one keeps its generation, bumped so every replica's
        cached index rebuilds; a `deleted` one (its conversation is gone, nothing will be
        appended again) leaves no key behind."""
        if self.archive is not None:
            await self.archive.clear(session_id)
        async with self._lock(session_id):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.llen(_turns_key(session_id))
                pipe.delete(_turns_key(session_id), _ids_key(session_id))
                if deleted:
                    pipe.delete(_gen_key(session_id))
                else:
                    pipe.incr(_gen_key(session_id))
                cleared, _, _ = await pipe.execute()
            self._cache.pop(session_id, None)
            return int(cleared)
