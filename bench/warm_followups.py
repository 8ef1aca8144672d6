"""Warm follow-ups: time to first token on each turn of a conversation, cold against warm.

    python -m bench.warm_followups [--model qwen2.5-coder-0.5b] [--turns 10]

Through the whole suite (the real context service packs each prompt). Warm is the default:
llama.cpp keeps the previous prompt's KV cache and a RAM cache of prompt states per
conversation prefix, so a follow-up evaluates only what is new. Cold is the same
conversation with the RAM cache off and an unrelated message from another user before each
turn, so every turn pays for its whole prompt. Then 2 and 4 conversations take turns
round-robin, warm, to show how much they thrash the cache for one another.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.common import NO_RATE_LIMITS, machine, rss_mb, send_message
from suite.processes import Suite

TURNS = [
    "Hi! I'm planning a trip to Portugal in May with my sister Ana.",
    "We want to spend three days in Lisbon. What should we see?",
    "Ana loves old trams and tiled buildings. Any tips for her?",
    "What is a good day trip from Lisbon by train?",
    "How much should we budget per day for food?",
    "I am vegetarian. Is that easy there?",
    "After Lisbon we go to Porto. How do we get there?",
    "What should we eat in Porto, given what I told you about my diet?",
    "Remind me: who am I travelling with, and in which month?",
    "Write a one-line summary of our plan.",
]
FILLER = "Give me one short tip for learning to juggle."


@dataclass
class Turn:
    ttft: float
    context_tokens: int


async def send(base_url: str, session: str, text: str) -> Turn:
    reply = await send_message(base_url, session, text)
    return Turn(reply.ttft_s, int((reply.result.get("context") or {}).get("context_tokens") or 0))


def start_suite(tmp: str, model: str, max_tokens: int, cache: bool, budget: int) -> Suite:
    env = {
        "PROVIDERS": "local,fallback",
        "LOCAL_MODEL": model,
        "MAX_OUTPUT_TOKENS": str(max_tokens),
        "CONTEXT_TOKEN_BUDGET": str(budget),
        "LOCAL_TIMEOUT_S": "120",
        "JOB_DEADLINE_S": "300",
        "LOG_LEVEL": "WARNING",
        **NO_RATE_LIMITS,
    }
    if not cache:
        env["LOCAL_CACHE_BYTES"] = "0"
    return Suite(data_dir=Path(tmp), env=env).start(timeout=300)


async def conversation(base_url: str, turns: int, cold: bool) -> list[Turn]:
    session = f"warm-{uuid.uuid4().hex[:10]}"
    out = []
    for text in TURNS[:turns]:
        if cold:
            await send(base_url, f"filler-{uuid.uuid4().hex[:10]}", FILLER)
        out.append(await send(base_url, session, text))
    return out


async def round_robin(base_url: str, conversations: int, turns: int) -> list[Turn]:
    sessions = [f"rr{conversations}-{n}-{uuid.uuid4().hex[:8]}" for n in range(conversations)]
    out = []
    for text in TURNS[:turns]:
        for session in sessions:
            out.append(await send(base_url, session, text))
    return out


def row(label: str, turns: list[Turn]) -> str:
    cells = " ".join(f"{t.ttft:5.2f}" for t in turns)
    return f"{label:<10} {cells}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--budget", type=int, default=0, help="context token budget (0: the model's default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        suite = start_suite(tmp, args.model, args.max_tokens, cache=False, budget=args.budget)
        try:
            await send(suite.base_url, f"warm-up-{uuid.uuid4().hex[:10]}", "Hello!")
            cold = await conversation(suite.base_url, args.turns, cold=True)
        finally:
            suite.stop()
    with tempfile.TemporaryDirectory() as tmp:
        suite = start_suite(tmp, args.model, args.max_tokens, cache=True, budget=args.budget)
        try:
            await send(suite.base_url, f"warm-up-{uuid.uuid4().hex[:10]}", "Hello!")
            warm = await conversation(suite.base_url, args.turns, cold=False)
            shared = {n: await round_robin(suite.base_url, n, max(2, args.turns // 2)) for n in (2, 4)}
            server_rss = rss_mb(suite.processes["model_server"].pid)
        finally:
            suite.stop()

    print(f"machine  {machine()}")
    budget = f"budget {args.budget}" if args.budget else "the model's default budget"
    print(f"model    {args.model}, {budget}; replies of at most {args.max_tokens} tokens; seconds to first token per turn")
    print(row("prompt", []) + " ".join(f"{t.context_tokens:5d}" for t in warm) + "   (context tokens, warm run)")
    print(row("cold", cold))
    print(row("warm", warm))
    follow = [w.ttft / c.ttft for w, c in zip(warm[1:], cold[1:], strict=True) if c.ttft > 0]
    print(f"follow-up TTFT, warm / cold: median {statistics.median(follow):.0%}, worst {max(follow):.0%} (turns 2-{args.turns})")
    for n, turns in shared.items():
        later = turns[n:]  # every turn after each conversation's first
        print(
            f"{n} conversations taking turns: follow-up TTFT median {statistics.median(t.ttft for t in later):.2f} s, "
            f"p90 {sorted(t.ttft for t in later)[int(0.9 * (len(later) - 1))]:.2f} s (one conversation alone: "
            f"{statistics.median(t.ttft for t in warm[1:]):.2f} s)"
        )
    print(
        f"model server RSS after {1 + 2 * len(TURNS[: args.turns]) + sum(len(t) for t in shared.values())} replies: "
        f"{server_rss:.0f} MB"
    )


if __name__ == "__main__":
    asyncio.run(main())
