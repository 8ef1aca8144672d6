"""Local model speed three ways, side by side in one run, on the same GGUF file:

    python -m bench.inference_local [--model qwen2.5-coder-0.5b] [--runs 5] [--max-tokens 128]

1. through the whole suite: POST /messages, the reply streamed back over SSE (gateway, job
   service, context service, inference service, model server);
2. the model server called directly (OpenAI-compatible /v1/chat/completions, streamed);
3. llama.cpp in this process (llama-cpp-python's create_chat_completion).

Each prints the time to first token (TTFT), decode speed (tokens/s after the first token) and
prompt size. The three are interleaved run by run, so background load hits them alike; one
runs at a time, since each uses every core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import NO_RATE_LIMITS, machine, send_message
from chat_common.local_models import resolve
from suite.processes import Suite

SYSTEM = "You are a helpful assistant."
# A new question per run: llama.cpp reuses the cached prefix of a repeated prompt, which would flatter TTFT.
TOPICS = [
    "the sky is blue",
    "leaves change colour",
    "bread rises",
    "ice floats",
    "the sea is salty",
    "cats purr",
    "stars twinkle",
    "onions make you cry",
    "bicycles stay upright",
    "thunder follows lightning",
    "planes fly",
    "metal feels cold",
    "we yawn",
    "the moon has phases",
    "soap cleans",
    "rain falls",
    "snow is white",
    "fire is hot",
    "birds sing",
    "bees make honey",
    "tides rise",
    "wood floats",
]


def question(n: int) -> str:
    return f"Explain in a few sentences why {TOPICS[n % len(TOPICS)]}."


@dataclass
class Run:
    ttft: float
    tokens: int
    total: float
    prompt_tokens: int = 0

    @property
    def decode_tps(self) -> float:
        return (self.tokens - 1) / (self.total - self.ttft) if self.tokens > 1 and self.total > self.ttft else 0.0


async def via_suite(base_url: str, text: str) -> Run:
    reply = await send_message(base_url, f"bench-local-{uuid.uuid4().hex[:12]}", text)
    usage = reply.result.get("usage") or {}
    return Run(reply.ttft_s, usage.get("completion_tokens", 0), reply.total_s, usage.get("prompt_tokens", 0))


def via_server(url: str, max_tokens: int, text: str) -> Run:
    body = {
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}],
        "max_tokens": max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started, first, tokens, prompt = time.perf_counter(), None, 0, 0
    with httpx.stream("POST", f"{url}/chat/completions", json=body, timeout=300) as response:
        for line in response.iter_lines():
            if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                continue
            event = json.loads(line[5:])
            for choice in event.get("choices") or []:
                if (choice.get("delta") or {}).get("content"):
                    first = first or time.perf_counter()
                    tokens += 1
            if event.get("usage"):
                prompt = event["usage"].get("prompt_tokens") or 0
    end = time.perf_counter()
    return Run((first or end) - started, tokens, end - started, prompt)


def in_process(llm: object, max_tokens: int, text: str) -> Run:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
    started, first, tokens = time.perf_counter(), None, 0
    for chunk in llm.create_chat_completion(messages, stream=True, max_tokens=max_tokens):
        if chunk["choices"][0]["delta"].get("content"):
            first = first or time.perf_counter()
            tokens += 1
    end = time.perf_counter()
    return Run((first or end) - started, tokens, end - started)


def summary(label: str, runs: list[Run]) -> str:
    ttft = statistics.median(r.ttft for r in runs) * 1000
    tps = statistics.median(r.decode_tps for r in runs)
    tokens = statistics.median(r.tokens for r in runs)
    prompt = statistics.median(r.prompt_tokens for r in runs)
    prompt_text = f"{prompt:.0f} prompt tokens, " if prompt else ""
    return (
        f"{label:<26} TTFT {ttft:7.1f} ms   decode {tps:6.1f} tok/s   ({prompt_text}{tokens:.0f} tokens, median of {len(runs)})"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.environ.get("LOCAL_MODEL", ""), help="catalogue name or GGUF path")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()

    model = resolve(args.model)
    threads = os.cpu_count() or 1
    env = {
        "PROVIDERS": "local,fallback",
        "LOCAL_MODEL": args.model or model.name,
        "MAX_OUTPUT_TOKENS": str(args.max_tokens),
        "LOG_LEVEL": "WARNING",
        "LOCAL_TIMEOUT_S": "120",
        **NO_RATE_LIMITS,
    }
    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(data_dir=Path(tmp), env=env).start(timeout=300)
        try:
            server_url = f"http://{suite.addr('model_server')}/v1"
            import llama_cpp

            llm = llama_cpp.Llama(model_path=str(model.path), n_ctx=model.n_ctx, n_threads=threads, verbose=False)
            # Warm-up: first-call costs are not the steady state.
            await via_suite(suite.base_url, "Hi!")
            via_server(server_url, 8, "Hello!")
            in_process(llm, 8, "Hey!")
            suite_runs, server_runs, local_runs = [], [], []
            for n in range(args.runs):
                suite_runs.append(await via_suite(suite.base_url, question(3 * n)))
                server_runs.append(await asyncio.to_thread(via_server, server_url, args.max_tokens, question(3 * n + 1)))
                local_runs.append(await asyncio.to_thread(in_process, llm, args.max_tokens, question(3 * n + 2)))
            llm.close()
        finally:
            suite.stop()

    print(f"machine      {machine()}")
    print(f"model        {model.name} ({model.path.name}, n_ctx {model.n_ctx}, {threads} threads)")
    print(summary("through the whole suite", suite_runs))
    print(summary("model server, direct", server_runs))
    print(summary("llama.cpp in-process", local_runs))
    suite_tps = statistics.median(r.decode_tps for r in suite_runs)
    server_tps = statistics.median(r.decode_tps for r in server_runs)
    local_tps = statistics.median(r.decode_tps for r in local_runs)
    print(f"decode speed: suite {suite_tps / server_tps:.2f}x the server direct, server {server_tps / local_tps:.2f}x in-process")


if __name__ == "__main__":
    asyncio.run(main())
