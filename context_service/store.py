"""A session's turns in Redis, and a per-process cache of their indexes.

Turns are only ever appended (idempotently, per turn id) or cleared. Each clear bumps the
session's generation, so a cached index is current when its generation matches and it
holds as many turns as Redis: otherwise the missing tail is appended, never the whole
history re-read or re-tokenised.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict

from redis.asyncio import Redis

from chat_common.redis_client import tagged
from context_service.engine import ContextEngine, SessionIndex, Turn

_APPEND = """
-- KEYS: ids, turns. ARGV: turn_id, turn json...
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return -1 end
for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
return redis.call('LLEN', KEYS[2])
"""


def _turns_key(session_id: str) -> str:
    return tagged("ctx", session_id, "turns")


def _ids_key(session_id: str) -> str:
    return tagged("ctx", session_id, "ids")


def _gen_key(session_id: str) -> str:
    return tagged("ctx", session_id, "gen")


class TurnStore:
    def __init__(self, redis: Redis, engine: ContextEngine, cache_size: int) -> None:
        self.redis = redis
        self.engine = engine
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[int, SessionIndex]] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._append = redis.register_script(_APPEND)

    def _lock(self, session_id: str) -> asyncio.Lock:
        return self._locks.setdefault(session_id, asyncio.Lock())

    async def append(self, session_id: str, turn_id: str, turns: list[Turn]) -> tuple[bool, int]:
        """Stores the turns of one exchange once. Returns (appended, turns in the session)."""
        for turn in turns:
            if turn.tokens <= 0:
                # ~0.1 ms per turn: cheaper inline than a thread hop.
                turn.tokens = self.engine.tok.count(turn.content)
        total = await self._append(
            keys=[_ids_key(session_id), _turns_key(session_id)],
            args=[turn_id, *(json.dumps(t.to_dict()) for t in turns)],
        )
        if total == -1:
            return False, await self.redis.llen(_turns_key(session_id))
        return True, int(total)

    async def index(self, session_id: str) -> SessionIndex:
        """The session's index, brought up to date with Redis."""
        async with self._lock(session_id):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.get(_gen_key(session_id))
                pipe.llen(_turns_key(session_id))
                raw_gen, length = await pipe.execute()
            gen = int(raw_gen or 0)
            cached = self._cache.get(session_id)
            if cached is None or cached[0] != gen or len(cached[1]) > length:
                cached = (gen, self.engine.new_index())
            _, index = cached
            if len(index) < length:
                raw = await self.redis.lrange(_turns_key(session_id), len(index), length - 1)
                for item in raw:
                    self.engine.append(index, Turn.from_dict(json.loads(item)))
            self._cache[session_id] = cached
            self._cache.move_to_end(session_id)
            while len(self._cache) > self.cache_size:
                evicted, _ = self._cache.popitem(last=False)
                self._locks.pop(evicted, None)
            return index

    async def clear(self, session_id: str) -> int:
        async with self._lock(session_id):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.llen(_turns_key(session_id))
                pipe.delete(_turns_key(session_id), _ids_key(session_id))
                pipe.incr(_gen_key(session_id))
                cleared, _, _ = await pipe.execute()
            self._cache.pop(session_id, None)
            return int(cleared)
