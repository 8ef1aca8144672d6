"""Context-build latency vs session length on synthetic sessions (seeded, reproducible).

python -m bench.context_scaling [--turns 1000 10000] [--queries 200] [--semantic]

With --semantic, turns are embedded as the context service embeds them (one exchange, two
turns, at a time) and every build embeds its new message: the sentence encoder's whole cost.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import tracemalloc

from context_service.engine import ContextConfig, ContextEngine, Turn, get_tokenizer
from context_service.engine.embedding import SentenceEncoder
from context_service.engine.semantic import SemanticReader

NAMES = ["Anna", "Tom", "Maria", "Lukas", "Priya", "Kenji", "Sofia", "Omar", "Lea", "Diego"]
CITIES = ["Berlin", "Paris", "Lisbon", "Osaka", "Toronto", "Nairobi", "Lima", "Oslo", "Prague", "Austin"]
TOPICS = [
    "hiking",
    "sourdough baking",
    "the new job",
    "marathon training",
    "learning Spanish",
    "the garden",
    "a budget spreadsheet",
    "the kids' school",
    "a vintage camera",
    "jazz concerts",
    "the tax return",
    "a home renovation",
    "python scripts",
    "board games",
    "the dentist appointment",
    "a road trip",
    "chess openings",
    "climate policy",
    "a podcast about history",
    "the wedding plans",
]
VERBS = ["started", "finished", "postponed", "enjoyed", "struggled with", "thought about", "planned", "talked about"]
USER_T = [
    "I {verb} {topic} {when}. {extra}",
    "Can you help me with {topic}? I need it by {day}.",
    "My {rel} {name} {verb} {topic} with me {when}.",
    "I live in {city} now and I {verb} {topic}.",
    "Actually, I meant {topic}, not {topic2}.",
    "What do you think about {topic}?",
    "I'm allergic to {food}, so {topic} was tricky {when}.",
    "We decided to spend {num} euros on {topic}.",
    "ok thanks!",
]
BOT_T = [
    "That sounds great! How did {topic} go?",
    "Here are three ideas for {topic}: start small, keep notes, and review weekly.",
    "Sure. For {topic}, the key constraint is time; {num} minutes a day is a good start.",
    "Got it, I'll remember that {name} is your {rel}.",
    "Sorry to hear that. Is there anything about {topic} I can help with?",
]
RELS = ["wife", "son", "daughter", "friend", "brother", "boss"]
FOODS = ["peanuts", "shellfish", "gluten", "lactose"]
WHENS = ["yesterday", "last week", "this morning", "on Saturday", "two days ago", "last month"]
DAYS = ["Monday", "Friday", "March 3", "next week", "the 15th"]
EXTRA = ["It was fun.", "It took longer than expected.", "", "I want to do it again soon.", "Not sure it was worth it."]


def fill(rng: random.Random, tpl: str) -> str:
    return tpl.format(
        verb=rng.choice(VERBS),
        topic=rng.choice(TOPICS),
        topic2=rng.choice(TOPICS),
        when=rng.choice(WHENS),
        extra=rng.choice(EXTRA),
        day=rng.choice(DAYS),
        rel=rng.choice(RELS),
        name=rng.choice(NAMES),
        city=rng.choice(CITIES),
        food=rng.choice(FOODS),
        num=rng.randint(5, 900),
    ).strip()


def session(n: int, seed: int) -> list[Turn]:
    rng = random.Random(seed)
    t0, out = 1_700_000_000.0, []
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        text = fill(rng, rng.choice(USER_T if role == "user" else BOT_T))
        out.append(Turn(f"t{i}", role, text, t0 + 60 * i))
    return out


def index_bytes(engine: ContextEngine, turns: list[Turn]) -> int:
    """What a session's index holds in memory, turns and vectors included (tracemalloc, in a
    separate pass: tracing slows the appends timed above)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = engine.new_index()
        for turn in turns:
            text = turn.text.encode().decode()  # its own copy, as a session loaded from Redis has
            engine.append(index, Turn(turn.turn_id, turn.role, text, turn.ts, turn.tokens, turn.speaker, turn.vector))
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--turns", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--budget", type=int, default=2000)
    ap.add_argument("--semantic", action="store_true", help="with the sentence encoder (semantic.py)")
    args = ap.parse_args(argv)
    semantic = SemanticReader(SentenceEncoder.load()) if args.semantic else None
    engine = ContextEngine(get_tokenizer(), ContextConfig(), semantic)
    print(f"cores: os.cpu_count()={os.cpu_count()} usable={len(os.sched_getaffinity(0))}; budget {args.budget} tokens")
    res = {}
    for n in args.turns:
        turns = session(n, seed=42)
        idx = engine.new_index()
        t0 = time.perf_counter()
        for i in range(0, len(turns), 2):
            exchange = turns[i : i + 2]
            if semantic is not None:
                semantic.embed_turns(exchange)
            for t in exchange:
                engine.append(idx, t)
        append_ms = (time.perf_counter() - t0) * 1e3 / n
        qrng = random.Random(7)
        # Every message unique: a real message is new, so its token count is never cached.
        queries = [f"{fill(qrng, qrng.choice(USER_T))} (#{i})" for i in range(args.queries + 20)]
        for q in queries[:20]:  # warm-up (allocator, the system prompt's count)
            engine.build(idx, q, args.budget, "You are a helpful assistant.")
        lat, embed = [], []
        for q in queries[20:]:
            t1 = time.perf_counter()
            if semantic is not None:
                # As the service does, before the build: the message's vector (then cached).
                semantic.query(q)
                embed.append((time.perf_counter() - t1) * 1e3)
            t2 = time.perf_counter()
            r = engine.build(idx, q, args.budget, "You are a helpful assistant.")
            lat.append((time.perf_counter() - t2) * 1e3)
            assert r.stats.context_tokens <= args.budget
        lat.sort()
        p50, p99 = statistics.median(lat), lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        res[n] = (p50, p99)
        print(
            f"{n:>6} turns: append {append_ms:.3f} ms/turn, history {idx.full_tokens} tokens, "
            f"build p50 {p50:.2f} ms, p99 {p99:.2f} ms"
            + (f", message embedding p50 {statistics.median(embed):.2f} ms" if embed else "")
            + f", vectors {idx.vectors.nbytes / n:.0f} B/turn, index {index_bytes(engine, turns) / n:.0f} B/turn"
        )
    if len(res) >= 2:
        a, b = min(res), max(res)
        print(f"ratio {b}/{a} turns: p50 x{res[b][0] / res[a][0]:.2f}, p99 x{res[b][1] / res[a][1]:.2f}")
    return res


if __name__ == "__main__":
    main()
