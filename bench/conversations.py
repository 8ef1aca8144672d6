"""Conversations on PostgreSQL (issue #13): bytes per finished message, opening a long
conversation, full-text search.

    python -m bench.conversations [--messages 2000] [--sessions 20] [--job-ttl 60]
                                  [--opens 200] [--walks 5] [--searches 50]

One suite (instant provider, rate limits off), three parts one after the other:

- bytes per finished message: `--messages` messages over `--sessions` sessions (each session
  sends its next message when the last one is DONE), then Redis's `used_memory` per message
  right after the last reply (the finished jobs still held) and once `JOB_TTL_S` (`--job-ttl`,
  longer than the sending takes, so every job is still held at the end) has let their hashes
  and event logs expire, then PostgreSQL's bytes per message (`pg_total_relation_size` of the
  four tables, after minus before, as written and after VACUUM FULL). `--only bytes` runs just
  this part, and also runs on the code before PostgreSQL (copied into a worktree of a661324,
  with `--job-ttl 0`, which kept every job as that code did);
- opening a conversation of 1,000 messages (seeded through POST /conversations/import): the
  first page of GET /conversations/{id}/messages (`--opens` times, default limit 50), beside a
  conversation of 20 messages, and walking every page back to the first message (`--walks` times);
- search over 10,000 messages: 10 conversations of 1,000 messages of one owner (sentences drawn
  from a word list with a fixed seed, a few rare words planted in a handful of messages), then
  GET /conversations?q=<word> `--searches` times for common, rare and absent words.

It prints figures; it asserts nothing beyond the requests succeeding.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import redis.asyncio as aioredis

from bench.common import NO_RATE_LIMITS, http_client, machine, sse_data, suite_memory, summary_ms
from suite.processes import Suite

TABLES = ("messages", "conversations", "context_turns", "profile_facts")
SEED = 13

# About 300 English words, roughly most frequent first; sentences draw them with Zipf weights, so
# the first few content words are in most messages and the tail in a few.
WORDS = """
the of and to a in is you that it for was on are with as I his they be at one have this from or
had by but what some we can out other were all there when up use your how said an each she which
do their time if will way about many then them write would like so these her long make thing see
him two has look more day could go come did number sound no most people my over know water than
call first who may down side been now find any new work part take get place made live where after
back little only round man year came show every good me give our under name very through just form
sentence great think say help low line differ turn cause much mean before move right boy old too
same tell does set three want air well also play small end put home read hand port large spell add
even land here must big high such follow act why ask men change went light kind off need house
picture try us again animal point mother world near build self earth father head stand own page
should country found answer school grow study still learn plant cover food sun four between state
keep eye never last let thought city tree cross farm hard start might story saw far sea draw left
late run while press close night real life few north open seem together next white children begin
got walk example ease paper group always music those both mark often letter until mile river car
feet care second book carry took science eat room friend began idea fish mountain stop once base
hear horse cut sure watch color face wood main enough plain girl usual young ready above ever red
list though feel talk bird soon body dog family direct pose leave song measure door product black
short numeral class wind question happen complete ship area half rock order fire south problem
piece told knew pass since top whole king space heard best hour better true during hundred five
remember step early hold west ground interest reach fast verb sing listen six table travel less
morning ten simple several vowel toward war lay against pattern slow center love person money
serve appear road map rain rule govern pull cold notice voice unit power town fine certain fly fall
lead cry dark machine note wait plan figure star box noun field rest correct able pound done beauty
drive stood contain front teach week final gave green quick develop ocean warm free minute strong
special mind behind clear tail produce fact street inch multiply nothing course stay wheel full
force blue object decide surface deep moon island foot system busy test record boat common gold
possible plane stead dry wonder laugh thousand ago ran check game shape equate hot miss brought heat
snow tire bring yes distant fill east paint language among grand ball yet wave drop heart present
heavy dance engine position arm wide sail material size vary settle speak weight general ice matter
circle pair include divide syllable felt perhaps pick sudden count square reason length represent
art subject region energy hunt probable bed brother egg ride cell believe fraction forest sit race
window store summer train sleep prove lone leg exercise wall catch mount wish sky board joy winter
""".split()
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]

# Words not in WORDS, each planted in this many messages of the search conversations.
RARE = {"quokka": 1, "zeppelin": 3, "marzipan": 10}
COMMON = ("time", "water", "music")  # content words of high rank: in many messages
ABSENT = "xylophone"


def sentence(rng: random.Random, low: int = 6, high: int = 16) -> str:
    words = rng.choices(WORDS, WEIGHTS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, low: int, high: int) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))


def export_doc(rng: random.Random, title: str, count: int, plant: dict[int, str] | None = None) -> dict[str, Any]:
    """A JSON export of a conversation of `count` exchanges on one branch; `plant` puts a word in
    the user text of the exchanges at the given indexes."""
    plant = plant or {}
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    messages = []
    for n in range(count):
        text = paragraph(rng, 1, 2)
        if n in plant:
            text = f"{text[:-1]} {plant[n]}."
        messages.append(
            {
                "id": f"m{n + 1}",
                "parent_id": f"m{n}" if n else None,
                "kind": "message",
                "text": text,
                "status": "done",
                "created_at": (start + timedelta(seconds=30 * n)).isoformat().replace("+00:00", "Z"),
                "result": {"reply": paragraph(rng, 2, 5), "provider": "instant", "model": "bench"},
            }
        )
    return {
        "format": "chat-assistant.conversation",
        "version": 1,
        "conversation": {"title": title},
        "leaf_id": f"m{count}",
        "messages": messages,
    }


async def import_conversation(client: aiohttp.ClientSession, owner: str, doc: dict[str, Any]) -> tuple[str, float]:
    started = time.perf_counter()
    async with client.post("/conversations/import", json=doc, headers={"X-Session-Id": owner}) as response:
        body = await response.json()
        if response.status != 201:
            raise SystemExit(f"import failed: {response.status} {body}")
    return body["conversation"]["id"], time.perf_counter() - started


async def timed_get(
    client: aiohttp.ClientSession, path: str, owner: str, params: dict[str, str] | None = None
) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    async with client.get(path, params=params, headers={"X-Session-Id": owner}) as response:
        body = await response.json()
        if response.status != 200:
            raise SystemExit(f"GET {path} {params}: {response.status} {body}")
    return body, time.perf_counter() - started


# --- bytes per finished message ---


async def table_bytes(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        return {t: int(await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", t)) for t in TABLES}
    finally:
        await conn.close()


PARTS = """
SELECT 'heap' AS part, pg_relation_size($1::regclass) AS bytes
UNION ALL
SELECT 'toast', coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0) FROM pg_class WHERE oid = $1::regclass
UNION ALL
SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = $1::regclass
"""


async def table_parts(database_url: str, table: str) -> dict[str, int]:
    """A table's bytes by part: its rows (heap), TOAST, and each index."""
    conn = await asyncpg.connect(database_url)
    try:
        return {row["part"]: int(row["bytes"]) for row in await conn.fetch(PARTS, table)}
    finally:
        await conn.close()


async def vacuum_full(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        for t in TABLES:
            await conn.execute(f"VACUUM FULL {t}")
    finally:
        await conn.close()


MEMORY_FIELDS = ("used_memory_dataset", "used_memory_overhead", "mem_clients_normal", "mem_aof_buffer", "used_memory_scripts")


async def redis_memory(r: aioredis.Redis) -> str:
    """INFO memory's split of used_memory: the keys' data, and the overhead (clients, AOF, scripts...)."""
    info = await r.info("memory")
    return ", ".join(f"{name} {int(info.get(name, 0)) / 1e6:.2f} MB" for name in MEMORY_FIELDS)


async def redis_state(r: aioredis.Redis) -> tuple[int, dict[str, int]]:
    """used_memory, and how many keys there are per first part of the name (job, ctx, ...)."""
    used = int((await r.info("memory"))["used_memory"])
    kinds: dict[str, int] = {}
    async for key in r.scan_iter(count=1000):
        kind = key.split(b":", 1)[0].decode()
        kinds[kind] = kinds.get(kind, 0) + 1
    return used, kinds


async def redis_bytes_by_kind(r: aioredis.Redis) -> dict[str, int]:
    """MEMORY USAGE (every element counted) summed per first part of the key's name."""
    sizes: dict[str, int] = {}
    async for key in r.scan_iter(count=1000):
        kind = key.split(b":", 1)[0].decode()
        sizes[kind] = sizes.get(kind, 0) + int(await r.memory_usage(key, samples=0) or 0)
    return sizes


async def send_and_finish(client: aiohttp.ClientSession, session: str, text: str) -> None:
    headers = {"X-Session-Id": session}
    async with client.post("/messages", json={"text": text}, headers=headers) as response:
        if response.status != 202:
            raise SystemExit(f"POST /messages: {response.status} {await response.text()}")
        job_id = (await response.json())["job_id"]
    async for data in sse_data(client, f"/messages/{job_id}/events", headers):
        if data.get("status") == "done":
            return
        if data.get("status") == "error":
            raise SystemExit(f"job {job_id} ended in error: {data}")
    raise SystemExit(f"job {job_id}: stream ended before DONE")


def kib(n: float) -> str:
    return f"{n / 1024:.2f} KiB"


async def bytes_per_message(suite: Suite, messages: int, sessions: int, ttl_s: int) -> list[str]:
    """Also runs on a suite without PostgreSQL (the code before issue #13, with `--only bytes`):
    then only Redis is measured, and `ttl_s` 0 keeps every finished job, as that code did."""
    assert suite.redis is not None
    postgres = getattr(suite, "postgres", None)  # the code before issue #13 has none
    database = postgres.url if postgres is not None else None
    r = aioredis.Redis(port=suite.redis.port)
    rng = random.Random(SEED)
    texts = [paragraph(rng, 1, 2) for _ in range(messages)]
    pg_before = await table_bytes(database) if database else {}
    parts_before = {t: await table_parts(database, t) for t in ("messages", "context_turns")} if database else {}
    redis_before, keys_before = await redis_state(r)
    split_before = await redis_memory(r)
    async with http_client(suite.base_url, connections=sessions * 2) as client:
        left = list(reversed(texts))

        async def sender(index: int) -> None:
            session = f"bytes-{index}-{uuid.uuid4().hex[:8]}"
            while left:
                await send_and_finish(client, session, left.pop())

        started = time.perf_counter()
        await asyncio.gather(*(sender(i) for i in range(sessions)))
        sending_s = time.perf_counter() - started
    last_reply = time.monotonic()
    redis_held, keys_held = await redis_state(r)
    held_sizes = await redis_bytes_by_kind(r)
    split_held = await redis_memory(r)
    payload = statistics.fmean(len(t) for t in texts)
    held_jobs = keys_held.get("job", 0) - keys_before.get("job", 0)
    lines = [
        f"{messages} messages over {sessions} sessions, each sent when its last was DONE: {sending_s:.1f} s "
        f"({messages / sending_s:.0f} jobs/s); user text {payload:.0f} chars on average, the instant reply 40 chars; "
        f"JOB_TTL_S={ttl_s}",
        f"  Redis used_memory: before {redis_before / 1e6:.2f} MB, right after the last reply {redis_held / 1e6:.2f} MB",
        f"  Redis per finished message while its job is held: {kib((redis_held - redis_before) / messages)} "
        f"({held_jobs} job keys held at the last reply: a hash and an event log per job)",
        "  Redis MEMORY USAGE per message by key kind, held: "
        + ", ".join(f"{k} {v / messages:.0f} B" for k, v in sorted(held_sizes.items())),
    ]
    if ttl_s:
        # Wait out the TTL of the last job, then until Redis has expired every job key.
        await asyncio.sleep(max(0.0, last_reply + ttl_s + 2 - time.monotonic()))
        deadline = time.monotonic() + 60
        while True:
            redis_after, keys_after = await redis_state(r)
            if keys_after.get("job", 0) == 0 or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        after_sizes = await redis_bytes_by_kind(r)
        lines += [
            f"  Redis used_memory after the TTL: {redis_after / 1e6:.2f} MB; per finished message: "
            f"{kib((redis_after - redis_before) / messages)}",
            "  Redis MEMORY USAGE per message by key kind, after the TTL: "
            + ", ".join(f"{k} {v / messages:.0f} B" for k, v in sorted(after_sizes.items())),
            f"  Redis INFO memory after the TTL: {await redis_memory(r)}",
        ]
    lines += [
        f"  Redis INFO memory before: {split_before}",
        f"  Redis INFO memory at the last reply: {split_held}",
        f"  Redis keys by kind before / at the last reply: {keys_before} / {keys_held}",
    ]
    await r.aclose()
    if database:
        pg_written = await table_bytes(database)
        await vacuum_full(database)
        pg_vacuumed = await table_bytes(database)
        parts_after = {t: await table_parts(database, t) for t in parts_before}

        def per_table(after: dict[str, int]) -> str:
            parts = [f"{t} {(after[t] - pg_before[t]) / messages:.0f}" for t in TABLES]
            total = sum(after[t] - pg_before[t] for t in TABLES) / messages
            return f"{total:.0f} B ({kib(total)}): " + ", ".join(parts)

        lines += [
            f"  PostgreSQL per finished message, before VACUUM FULL:     {per_table(pg_written)}",
            f"  PostgreSQL per finished message, after VACUUM FULL:      {per_table(pg_vacuumed)}",
            "  PostgreSQL tables before the messages (bytes): " + ", ".join(f"{t} {pg_before[t]}" for t in TABLES),
        ]
        for table, after in parts_after.items():
            split = ", ".join(f"{part} {(n - parts_before[table].get(part, 0)) / messages:.0f}" for part, n in after.items())
            lines.append(f"  {table} per message after VACUUM FULL, by part (B): {split}")
    return lines


# --- opening a long conversation ---


async def opening(suite: Suite, opens: int, walks: int) -> list[str]:
    rng = random.Random(SEED + 1)
    owner = "opener-" + uuid.uuid4().hex[:8]
    lines = []
    async with http_client(suite.base_url, connections=4, timeout_s=300) as client:
        long_id, import_s = await import_conversation(client, owner, export_doc(rng, "A long conversation", 1000))
        short_id, _ = await import_conversation(client, owner, export_doc(rng, "A short conversation", 20))
        lines.append(f"imported a conversation of 1,000 messages in {import_s:.2f} s (POST /conversations/import)")
        for name, cid, expected in (("1,000 messages", long_id, 50), ("20 messages", short_id, 20)):
            path = f"/conversations/{cid}/messages"
            for _ in range(5):
                await timed_get(client, path, owner)
            times = []
            for _ in range(opens):
                body, seconds = await timed_get(client, path, owner)
                times.append(seconds)
            if len(body["items"]) != expected:
                raise SystemExit(f"first page of {name}: {len(body['items'])} items, expected {expected}")
            lines.append(f"open (first page, limit 50) of {name}, {opens} times: {summary_ms(times)}")
        path = f"/conversations/{long_id}/messages"
        for limit in ("50", "200"):
            walk_times: list[float] = []
            seen: list[dict[str, Any]] = []
            pages = 0
            for _ in range(walks):
                started, cursor, seen, pages = time.perf_counter(), None, [], 0
                while True:
                    params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
                    body, _ = await timed_get(client, path, owner, params)
                    seen = body["items"] + seen
                    pages += 1
                    cursor = body["next_cursor"]
                    if not cursor:
                        break
                walk_times.append(time.perf_counter() - started)
                if len(seen) != 1000:
                    raise SystemExit(f"walking back gave {len(seen)} messages, not 1,000")
            median = statistics.median(walk_times)
            lines.append(
                f"walk back to the first message, limit {limit} ({pages} pages), {walks} times: "
                f"median {median * 1000:.0f} ms ({median * 1000 / pages:.1f} ms a page), "
                f"min {min(walk_times) * 1000:.0f} ms, max {max(walk_times) * 1000:.0f} ms"
            )
    return lines


# --- search ---


async def search(suite: Suite, searches: int) -> list[str]:
    assert suite.postgres is not None
    rng = random.Random(SEED + 2)
    owner = "searcher-" + uuid.uuid4().hex[:8]
    # Each rare word in that many messages, spread over the conversations at random.
    slots = rng.sample([(c, n) for c in range(10) for n in range(1000)], sum(RARE.values()))
    plants: list[dict[int, str]] = [{} for _ in range(10)]
    for word, count in RARE.items():
        for _ in range(count):
            c, n = slots.pop()
            plants[c][n] = word
    lines = []
    async with http_client(suite.base_url, connections=4, timeout_s=300) as client:
        seeding = time.perf_counter()
        for c in range(10):
            await import_conversation(client, owner, export_doc(rng, f"Notes {c + 1}", 1000, plants[c]))
        lines.append(f"seeded 10 conversations x 1,000 messages for one owner in {time.perf_counter() - seeding:.1f} s")
        conn = await asyncpg.connect(suite.postgres.url)
        try:
            total = await conn.fetchval("SELECT count(*) FROM messages")
            owned = await conn.fetchval("SELECT count(*) FROM messages WHERE owner = $1", owner)
            matching = "SELECT count(*) FROM messages WHERE owner = $1 AND search @@ websearch_to_tsquery('english', $2)"
            hits = {word: await conn.fetchval(matching, owner, word) for word in (*COMMON, *RARE, ABSENT)}
        finally:
            await conn.close()
        lines.append(f"  the owner has {owned} messages; the messages table holds {total} in all (other parts' owners too)")
        for word in (*COMMON, *RARE, ABSENT):
            for _ in range(3):
                await timed_get(client, "/conversations", owner, {"q": word})
            times = []
            for _ in range(searches):
                body, seconds = await timed_get(client, "/conversations", owner, {"q": word})
                times.append(seconds)
            kind = "common" if word in COMMON else "rare" if word in RARE else "absent"
            lines.append(
                f"search q={word} ({kind}: in {hits[word]} of {owned} messages, {len(body['items'])} conversations found), "
                f"{searches} times: {summary_ms(times)}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--job-ttl", type=int, default=60, help="JOB_TTL_S; longer than sending --messages takes")
    parser.add_argument("--opens", type=int, default=200)
    parser.add_argument("--walks", type=int, default=5)
    parser.add_argument("--searches", type=int, default=50)
    parser.add_argument("--only", choices=["bytes"], help="only the bytes per finished message (runs on older code too)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(
            data_dir=Path(tmp),
            env={
                "PROVIDERS": "instant",
                "LOG_LEVEL": "WARNING",
                "JOB_TTL_S": str(args.job_ttl),
                # An import of 1,000 messages takes longer than the gateway's default 3 s deadline
                # (it remembers each turn with one AppendTurn call); the seeding needs it longer.
                "GATEWAY_RPC_TIMEOUT_S": "120",
                **NO_RATE_LIMITS,
            },
        ).start()
        try:
            lines = ["bytes per finished message:"]
            lines += asyncio.run(bytes_per_message(suite, args.messages, args.sessions, args.job_ttl))
            if args.only is None:
                lines += ["opening a long conversation:"]
                lines += ["  " + line for line in asyncio.run(opening(suite, args.opens, args.walks))]
                lines += ["search over 10,000 messages:"]
                lines += ["  " + line for line in asyncio.run(search(suite, args.searches))]
            memory = suite_memory(suite)
        finally:
            suite.stop()
    print(f"machine: {machine()}")
    for line in lines:
        print(line)
    print("RSS at the end: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()))
    print("for comparison, measured before issue #13 (not this run): about 12.7 KB of Redis per finished message")


if __name__ == "__main__":
    main()
