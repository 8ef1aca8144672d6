"""LoCoMo context-selection benchmark for context_service.engine.

For every question (categories 1-4) the question is the newest user message and the whole
conversation is the history. We build the context at 5/10/20 % of the history's tokens and
measure evidence recall (evidence dia_ids among the verbatim chosen turns), tokens, latency,
next to two baselines under the same budget: recency-only and plain BM25 top-k. "live" is
the recall of a compaction in a live chat, which keeps headroom for the turns to come.

    python -m bench.context_locomo --dataset PATH --json OUT
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import time
from collections import Counter
from datetime import UTC, datetime

from context_service.engine import ContextConfig, ContextEngine, Turn, get_tokenizer
from context_service.engine.embedding import SentenceEncoder
from context_service.engine.semantic import SemanticReader

BUDGETS = (0.05, 0.1, 0.2)
SYSTEM_PROMPT = "You are a helpful assistant. Answer using the conversation history."


def parse_date(s: str) -> float:
    try:
        return datetime.strptime(s.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return 0.0


def conversation_turns(conv: dict, captions: bool) -> list[Turn]:
    a = conv["speaker_a"]
    keys = sorted((k for k in conv if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k.split("_")[1]))
    out = []
    for k in keys:
        base = parse_date(conv.get(k + "_date_time", ""))
        for i, t in enumerate(conv[k]):
            text = t["text"]
            if captions and t.get("blip_caption"):
                text += f" [shares a photo: {t['blip_caption']}]"
            role = "user" if t["speaker"] == a else "assistant"
            out.append(Turn(t["dia_id"], role, text, base + 30 * i, speaker=t["speaker"]))
    return out


class PlainBM25:
    """Baseline: lowercase words, no stemming/stopwords, classic k1=1.5, b=0.75."""

    def __init__(self, texts: list[str]) -> None:
        self.docs = [Counter(re.findall(r"\w+", t.lower())) for t in texts]
        self.dl = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.dl) / len(self.dl)
        df = Counter(w for d in self.docs for w in d)
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}

    def scores(self, q: str) -> list[float]:
        qs = set(re.findall(r"\w+", q.lower()))
        out = []
        for d, dl in zip(self.docs, self.dl, strict=True):
            s = 0.0
            for w in qs:
                tf = d.get(w)
                if tf:
                    s += self.idf[w] * tf * 2.5 / (tf + 1.5 * (0.25 + 0.75 * dl / self.avg))
            out.append(s)
        return out


def fit(order: list[int], costs: list[int], room: int, contiguous: bool) -> set[int]:
    kept = set()
    for p in order:
        if costs[p] <= room:
            kept.add(p)
            room -= costs[p]
        elif contiguous:
            break
    return kept


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--captions", action="store_true", help="append image captions to turn text")
    ap.add_argument("--semantic", action="store_true", help="add the MiniLM sentence-vector signal (semantic.py)")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a ContextConfig field (ablations), e.g. --set continuity_top=0",
    )
    args = ap.parse_args(argv)
    cfg = ContextConfig()
    for kv in args.set:
        k, v = kv.split("=", 1)
        setattr(cfg, k, type(getattr(cfg, k))(v))

    tok = get_tokenizer()
    semantic = SemanticReader(SentenceEncoder.load()) if args.semantic else None
    engine = ContextEngine(tok, cfg, semantic)
    ov = engine.cfg.message_overhead_tokens
    data = json.load(open(args.dataset))
    agg = {b: {"recall": [], "live_recall": [], "recency_recall": [], "bm25_recall": [], "used": [], "full": []} for b in BUDGETS}
    lat: list[float] = []
    by_cat: dict[int, list[float]] = {}
    append_s = embed_s = 0.0
    sys_tokens = tok.count(SYSTEM_PROMPT)
    for conv_obj in data:
        turns = conversation_turns(conv_obj["conversation"], args.captions)
        t0 = time.perf_counter()
        if semantic is not None:
            semantic.embed_turns(turns)  # in one batch: the same vectors, sooner than an exchange at a time
            embed_s += time.perf_counter() - t0
            t0 = time.perf_counter()
        index = engine.new_index()
        for t in turns:  # incremental API, one turn at a time
            engine.append(index, t)
        append_s += time.perf_counter() - t0
        ids = [t.turn_id for t in turns]
        costs = [t.tokens + ov for t in turns]
        full = sum(costs)
        plain = PlainBM25([t.content for t in turns])
        for qa in conv_obj["qa"]:
            if qa.get("category") not in (1, 2, 3, 4):
                continue
            ev = {e.strip() for x in qa.get("evidence", []) for e in re.split(r"[;,\s]+", x) if e.strip() in index.positions}
            if not ev:
                continue
            q = qa["question"]
            q_fixed = sys_tokens + tok.count(q) + 2 * ov
            bm = plain.scores(q)
            bm_order = sorted((p for p in range(len(turns)) if bm[p] > 0), key=lambda p: -bm[p])
            for b in BUDGETS:
                B = int(b * full)
                t1 = time.perf_counter()
                res = engine.build(index, q, B, system_prompt=SYSTEM_PROMPT)
                lat.append((time.perf_counter() - t1) * 1e3)
                assert res.stats.context_tokens <= B
                kept = {s.turn_id for s in res.stats.selected}
                r = len(ev & kept) / len(ev)
                agg[b]["recall"].append(r)
                # In a live chat a compaction keeps headroom for the turns to come, quoting
                # what else scores in a note that they drop (context_service/engine/plan.py).
                live = engine.build(index, q, B, system_prompt=SYSTEM_PROMPT, live=True)
                assert live.stats.context_tokens <= B
                agg[b]["live_recall"].append(len(ev & {s.turn_id for s in live.stats.selected}) / len(ev))
                if b == 0.2:
                    by_cat.setdefault(qa["category"], []).append(r)
                rec = fit(list(range(len(turns) - 1, -1, -1)), costs, B - q_fixed, contiguous=True)
                agg[b]["recency_recall"].append(len(ev & {ids[p] for p in rec}) / len(ev))
                bmk = fit(bm_order, costs, B - q_fixed, contiguous=False)
                agg[b]["bm25_recall"].append(len(ev & {ids[p] for p in bmk}) / len(ev))
                agg[b]["used"].append(res.stats.context_tokens)
                agg[b]["full"].append(full)

    mean = statistics.fmean
    lat.sort()
    out = {
        "budgets": {
            str(b): {
                "recall": round(mean(a["recall"]), 4),
                "live_compaction_recall": round(mean(a["live_recall"]), 4),
                "recency_recall": round(mean(a["recency_recall"]), 4),
                "bm25_recall": round(mean(a["bm25_recall"]), 4),
                "tokens_used_mean": round(mean(a["used"]), 1),
                "tokens_full_mean": round(mean(a["full"]), 1),
            }
            for b, a in agg.items()
        },
        "questions": len(agg[BUDGETS[0]]["recall"]),
        "build_ms_p50": round(lat[len(lat) // 2], 3),
        "build_ms_p99": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 3),
    }
    print(f"cores: os.cpu_count()={os.cpu_count()} usable={len(os.sched_getaffinity(0))}")
    print(
        f"questions: {out['questions']} (categories 1-4), conversations: {len(data)}, "
        f"captions: {'on' if args.captions else 'off'}, append total {append_s * 1e3:.0f} ms, "
        f"semantic: {f'on, embedding {embed_s:.1f} s' if semantic else 'off'}"
    )
    print(
        f"{'budget':>7} | {'engine':>7} | {'live':>7} | {'recency':>7} | {'bm25':>7} | {'tokens used':>11} | {'tokens full':>11}"
    )
    for b, r in out["budgets"].items():
        print(
            f"{float(b):>6.0%} | {r['recall']:>7.3f} | {r['live_compaction_recall']:>7.3f} | "
            f"{r['recency_recall']:>7.3f} | {r['bm25_recall']:>7.3f} | "
            f"{r['tokens_used_mean']:>11.1f} | {r['tokens_full_mean']:>11.1f}"
        )
    print("recall@20% by category: " + ", ".join(f"{k}: {mean(v):.3f} (n={len(v)})" for k, v in sorted(by_cat.items())))
    print(f"build latency: p50 {out['build_ms_p50']:.2f} ms, p99 {out['build_ms_p99']:.2f} ms over {len(lat)} builds")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    main()
