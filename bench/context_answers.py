"""LoCoMo answers: does the engine's context make the model answer better than the naive ones?

    python -m bench.context_answers --dataset ../shared/data/locomo/locomo-dev.json [--questions 150]

The local model (the catalogue default, on a model server this bench starts and stops) or any
OpenAI-compatible server (`--model-url`) answers LoCoMo questions of categories 1-4, each with
three contexts of the same token budget:

- engine: `ContextEngine.build` (one-shot, `live=False`), its sequence in order: the turns it
  keeps and its memory note (profile and rolling summary);
- recency: the newest turns that fit;
- truncated: the full history from its first turn, cut where it no longer fits. Truncation
  keeps the beginning because the recency baseline already keeps the end.

The three are rendered the same way, so only the selection differs: one user message holding
the transcript, a "Speaker: text" line per turn and a "[date]" line (LoCoMo's
session_N_date_time) whenever the session changes, then the question. The budget is a
fraction of each conversation's full history (turns as chat messages, as in
bench.context_locomo), capped so that prompt and answer fit the local model's window, and it
bounds the whole final prompt (system prompt, transcript and question, with ChatML framing)
counted with the engine's tokenizer: the recency and truncated transcripts take the most turns
that fit, and the engine is asked for the largest budget whose rendered prompt fits (its own
accounting frames each turn as a message; the transcript frames them as lines and pays for
the date lines).

Questions: a sample of `--questions` with `random.Random(seed)`, stratified by category in
proportion to LoCoMo's counts (largest remainders), so every run has the same mix.

Score: LoCoMo's token F1 (snap-research/locomo, task_eval/evaluation.py): commas, punctuation,
"a", "an", "the" and "and" dropped, lower case, Porter stems, F1 of the shared tokens;
category 1 (multi-hop, several answers) splits prediction and gold on commas and averages,
over the gold parts, the best F1 of any predicted part; category 3 keeps the gold answer before
its first ";". The stemmer is snowballstemmer's original Porter where the LoCoMo code uses
NLTK's PorterStemmer, whose extensions stem a few words differently ("dying").

It prints, per context, the mean F1 (overall and by category), the evidence turns the context
holds, prompt tokens, and seconds; then a paired bootstrap 95 % interval of engine minus each
baseline, and says plainly when the model cannot tell the contexts apart. When the
OpenAI-compatible provider is configured (OPENAI_BASE_URL and OPENAI_MODEL, as for the
inference service), the same prompts also go to it, for a larger model's view.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import snowballstemmer

from bench.common import machine
from bench.context_locomo import conversation_turns
from chat_common.children import free_port, wait_ready, wrap
from chat_common.local_models import DEFAULT_MODEL, ModelError, resolve
from context_service.engine import BudgetTooSmallError, ContextEngine, SessionIndex, Tokenizer, Turn, get_tokenizer
from context_service.engine.embedding import SentenceEncoder
from context_service.engine.semantic import SemanticReader

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = (1, 2, 3, 4)
CATEGORY_NAMES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
CONTEXTS = ("engine", "recency", "truncated")
SYSTEM_PROMPT = (
    "You answer questions about a conversation. Answer with a short phrase, in the conversation's own words "
    "when you can; for a question about when, give the date."
)
# Tokens kept free beside the counted prompt and the answer: the chat template's opening of
# the assistant's reply.
TEMPLATE_MARGIN = 16


# --- scoring (LoCoMo's token F1) -------------------------------------------------------------
_porter = snowballstemmer.stemmer("porter")
_PUNCTUATION = frozenset(string.punctuation)
_DROPPED_WORDS = re.compile(r"\b(a|an|the|and)\b")


def normalize_answer(text: str) -> str:
    text = text.replace(",", "").lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    return " ".join(_DROPPED_WORDS.sub(" ", text).split())


def answer_tokens(text: str) -> list[str]:
    return [_porter.stemWord(word) for word in normalize_answer(text).split()]


def token_f1(prediction: str, gold: str) -> float:
    predicted, expected = answer_tokens(prediction), answer_tokens(gold)
    same = sum((Counter(predicted) & Counter(expected)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(expected)
    return 2 * precision * recall / (precision + recall)


def multi_answer_f1(prediction: str, gold: str) -> float:
    """Category 1: each gold part scored by the best-matching predicted part, averaged."""
    predicted = [part.strip() for part in prediction.split(",")]
    return statistics.fmean(max(token_f1(p, part.strip()) for p in predicted) for part in gold.split(","))


def locomo_f1(prediction: str, gold: object, category: int) -> float:
    answer = str(gold)
    if category == 3:
        answer = answer.split(";")[0].strip()
    return multi_answer_f1(prediction, answer) if category == 1 else token_f1(prediction, answer)


# --- conversations and questions -------------------------------------------------------------
@dataclass
class Conversation:
    speakers: tuple[str, str]
    turns: list[Turn]
    sessions: list[int]  # session number of each turn
    dates: dict[int, str]  # session number -> LoCoMo's date and time ("" when not given)
    position: dict[str, int] = field(default_factory=dict)  # turn id -> position

    def __post_init__(self) -> None:
        self.position = {turn.turn_id: p for p, turn in enumerate(self.turns)}


def session_keys(conv: dict) -> list[str]:
    return sorted((k for k in conv if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k.split("_")[1]))


def load_conversation(conv: dict) -> Conversation:
    """A LoCoMo `conversation` object: its turns as bench.context_locomo makes them (no image
    captions), and the session and date of each."""
    turns = conversation_turns(conv, captions=False)
    sessions = [int(k.split("_")[1]) for k in session_keys(conv) for _ in conv[k]]
    assert len(sessions) == len(turns)
    dates = {int(k.split("_")[1]): str(conv.get(k + "_date_time", "")).strip() for k in session_keys(conv)}
    return Conversation((conv["speaker_a"], conv["speaker_b"]), turns, sessions, dates)


@dataclass(frozen=True)
class Question:
    conversation: int  # index in the dataset
    number: int  # index in the conversation's qa list
    question: str
    answer: str
    category: int
    evidence: tuple[str, ...]


def all_questions(data: list[dict]) -> list[Question]:
    out = []
    for c, conv in enumerate(data):
        for n, qa in enumerate(conv["qa"]):
            if qa.get("category") in CATEGORIES and "answer" in qa:
                evidence = tuple(e for x in qa.get("evidence", []) for e in re.split(r"[;,\s]+", x) if e)
                out.append(Question(c, n, qa["question"], str(qa["answer"]), qa["category"], evidence))
    return out


def sample_questions(questions: list[Question], count: int, seed: int) -> list[Question]:
    """`count` questions, stratified by category in proportion to their numbers (largest
    remainders), each category sampled with random.Random(seed); in dataset order."""
    by_category: dict[int, list[Question]] = {}
    for q in questions:
        by_category.setdefault(q.category, []).append(q)
    count = min(count, len(questions))
    quotas = {c: count * len(qs) / len(questions) for c, qs in by_category.items()}
    take = {c: int(quota) for c, quota in quotas.items()}
    for c in sorted(quotas, key=lambda c: (-(quotas[c] - take[c]), c))[: count - sum(take.values())]:
        take[c] += 1
    rng = random.Random(seed)
    chosen = [q for c in sorted(by_category) for q in rng.sample(by_category[c], take[c])]
    return sorted(chosen, key=lambda q: (q.conversation, q.number))


# --- the three contexts ----------------------------------------------------------------------
Block = int | str  # a turn's position, or a note's text


@dataclass
class Context:
    name: str
    user: str  # the user message: the transcript, then the question
    tokens: int  # the whole prompt (system and user messages, framed), engine's tokenizer
    turn_ids: list[str]  # turns shown verbatim, in prompt order


def transcript(conv: Conversation, blocks: Sequence[Block]) -> str:
    """A "Speaker: text" line per turn, a "[date]" line when the session changes, notes as paragraphs."""
    lines: list[str] = []
    session: int | None = None
    for block in blocks:
        if isinstance(block, str):
            lines += ["", block, ""]
            session = None  # the next turn says its date again
            continue
        if conv.sessions[block] != session:
            session = conv.sessions[block]
            if conv.dates.get(session):
                lines.append(f"[{conv.dates[session]}]")
        lines.append(conv.turns[block].content)
    return "\n".join(lines).strip("\n")


def user_message(conv: Conversation, blocks: Sequence[Block], question: str) -> str:
    a, b = conv.speakers
    return f"Conversation between {a} and {b}:\n{transcript(conv, blocks)}\n\nQuestion: {question}\nShort answer:"


def prompt_tokens(tok: Tokenizer, overhead: int, user: str) -> int:
    """System and user message, each framed as a chat message (the engine's accounting)."""
    return tok.count(SYSTEM_PROMPT) + tok.count(user) + 2 * overhead


def make_context(name: str, conv: Conversation, blocks: Sequence[Block], question: str, tok: Tokenizer, overhead: int) -> Context:
    user = user_message(conv, blocks, question)
    ids = [conv.turns[b].turn_id for b in blocks if isinstance(b, int)]
    return Context(name, user, prompt_tokens(tok, overhead, user), ids)


def largest_fitting(make: Callable[[int], Context | None], low: int, high: int, budget: int) -> Context | None:
    """The context of the largest n in [low, high] whose prompt fits `budget`, by bisection
    (prompts grow with n; a None counts as fitting but is not kept)."""
    best, fits, too_big = None, low - 1, high + 1
    while too_big - fits > 1:
        n = (fits + too_big) // 2
        context = make(n)
        if context is None or context.tokens <= budget:
            fits, best = n, context or best
        else:
            too_big = n
    return best


def recency_context(conv: Conversation, question: str, budget: int, tok: Tokenizer, overhead: int) -> Context:
    n = len(conv.turns)

    def newest(k: int) -> Context:
        return make_context("recency", conv, range(n - k, n), question, tok, overhead)

    return largest_fitting(newest, 0, n, budget) or newest(0)


def truncated_context(conv: Conversation, question: str, budget: int, tok: Tokenizer, overhead: int) -> Context:
    def first(k: int) -> Context:
        return make_context("truncated", conv, range(k), question, tok, overhead)

    return largest_fitting(first, 0, len(conv.turns), budget) or first(0)


def engine_blocks(conv: Conversation, engine: ContextEngine, index: SessionIndex, question: str, budget: int) -> list[Block]:
    """The engine's sequence for a one-shot build: its turns as positions, its notes as text."""
    result = engine.build(index, question, budget, system_prompt=SYSTEM_PROMPT, live=False)
    turns = iter(result.turns)  # the non-note entries of the sequence, in order
    return [content if role == "system" else conv.position[next(turns).turn_id] for role, content in result.sequence]


def engine_context(
    conv: Conversation, engine: ContextEngine, index: SessionIndex, question: str, budget: int, tok: Tokenizer
) -> Context:
    overhead = engine.cfg.message_overhead_tokens

    def build(engine_budget: int) -> Context | None:
        try:
            blocks = engine_blocks(conv, engine, index, question, engine_budget)
        except BudgetTooSmallError:
            return None
        return make_context("engine", conv, blocks, question, tok, overhead)

    return largest_fitting(build, 1, 2 * budget, budget) or make_context("engine", conv, [], question, tok, overhead)


def build_index(engine: ContextEngine, conv: Conversation) -> SessionIndex:
    if engine.semantic is not None:
        engine.semantic.embed_turns(conv.turns)  # one batch: faster than turn by turn
    index = engine.new_index()
    for turn in conv.turns:
        engine.append(index, turn)
    return index


def full_history_tokens(engine: ContextEngine, index: SessionIndex) -> int:
    """Every turn as a chat message, as bench.context_locomo counts the full history."""
    return index.full_tokens + engine.cfg.message_overhead_tokens * len(index)


# --- asking a model --------------------------------------------------------------------------
@dataclass
class Endpoint:
    url: str  # base URL of an OpenAI-compatible API, ending in /v1
    model: str
    label: str
    api_key: str = ""


def ask(client: httpx.Client, endpoint: Endpoint, user: str, max_tokens: int) -> tuple[str, int, float]:
    """The answer, the prompt tokens the server counted, and the seconds the request took."""
    body = {
        "model": endpoint.model,
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
        "temperature": 0,
        "max_tokens": max_tokens,
    }
    started = time.perf_counter()
    response = client.post("/chat/completions", json=body)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{endpoint.label}: HTTP {response.status_code}: {response.text[:500]}")
    data = response.json()
    text = (data["choices"][0]["message"].get("content") or "").strip()
    return text, int((data.get("usage") or {}).get("prompt_tokens") or 0), seconds


@contextmanager
def local_model_server(spec: str, log_path: Path) -> Iterator[Endpoint]:
    """`python -m model_server` for the catalogue model `spec` on a free port, stopped at the
    end. Its RAM cache of prompt states is off, so no context gains from an earlier prompt
    beyond the shared system prompt."""
    port = free_port()
    env = {
        **os.environ,
        "LOCAL_MODEL": spec,
        "MODEL_SERVER_ADDR": f"127.0.0.1:{port}",
        "LOCAL_CACHE_BYTES": "0",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            wrap([sys.executable, "-m", "model_server"]), cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        try:
            wait_ready(process, healthy, 600, "model_server")
        except RuntimeError as exc:
            raise SystemExit(f"{exc}: {log_path.read_text(errors='replace')[-2000:]}") from None
        model = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json().get("model", spec)
        yield Endpoint(f"http://127.0.0.1:{port}/v1", model, f"{model} (local model server)")
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- running and reporting -------------------------------------------------------------------
@dataclass
class Item:
    question: Question
    budget: int
    contexts: dict[str, Context]
    build_ms: float  # the engine's builds for this question (the bisection's, all of them)


@dataclass
class Answered:
    text: str
    f1: float
    seconds: float
    server_prompt_tokens: int


def prepare(data: list[dict], questions: list[Question], fraction: float, cap: int, engine: ContextEngine) -> list[Item]:
    tok, overhead = engine.tok, engine.cfg.message_overhead_tokens
    items: list[Item] = []
    loaded: dict[int, tuple[Conversation, SessionIndex, int]] = {}
    for q in questions:
        if q.conversation not in loaded:
            conv = load_conversation(data[q.conversation]["conversation"])
            index = build_index(engine, conv)
            loaded[q.conversation] = (conv, index, full_history_tokens(engine, index))
        conv, index, full = loaded[q.conversation]
        budget = min(int(fraction * full), cap) if cap else int(fraction * full)
        started = time.perf_counter()
        engine_ctx = engine_context(conv, engine, index, q.question, budget, tok)
        build_ms = (time.perf_counter() - started) * 1e3
        contexts = {
            "engine": engine_ctx,
            "recency": recency_context(conv, q.question, budget, tok, overhead),
            "truncated": truncated_context(conv, q.question, budget, tok, overhead),
        }
        items.append(Item(q, budget, contexts, build_ms))
    return items


def run(endpoint: Endpoint, items: list[Item], max_tokens: int, verbose: bool) -> tuple[list[dict[str, Answered]], float]:
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    answers: list[dict[str, Answered]] = []
    started = time.perf_counter()
    with httpx.Client(base_url=endpoint.url, headers=headers, timeout=httpx.Timeout(600, connect=10)) as client:
        ask(client, endpoint, "Say hello.", 4)  # warm-up: first-call costs are not the steady state
        for i, item in enumerate(items):
            got: dict[str, Answered] = {}
            # Each question rotates the order, so no context always follows the same one.
            for name in CONTEXTS[i % 3 :] + CONTEXTS[: i % 3]:
                text, server_tokens, seconds = ask(client, endpoint, item.contexts[name].user, max_tokens)
                got[name] = Answered(text, locomo_f1(text, item.question.answer, item.question.category), seconds, server_tokens)
            answers.append(got)
            if verbose:
                q = item.question
                cells = "  ".join(f"{n} {got[n].f1:.2f} {got[n].text[:40]!r}" for n in CONTEXTS)
                print(f"[{i + 1}/{len(items)}] cat {q.category} {q.question[:50]!r} gold {q.answer[:30]!r}: {cells}", flush=True)
    return answers, time.perf_counter() - started


def paired_bootstrap(diffs: list[float], seed: int, resamples: int = 4000) -> tuple[float, float]:
    """95 % interval of the mean of paired differences (percentile bootstrap)."""
    rng = random.Random(seed)
    means = sorted(statistics.fmean(rng.choices(diffs, k=len(diffs))) for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def evidence_share(item: Item, name: str) -> float | None:
    evidence = set(item.question.evidence)
    return len(evidence & set(item.contexts[name].turn_ids)) / len(evidence) if evidence else None


def summarize(endpoint: Endpoint, items: list[Item], answers: list[dict[str, Answered]], seconds: float, seed: int) -> dict:
    mean = statistics.fmean
    out: dict = {"model": endpoint.model, "label": endpoint.label, "questions": len(items), "seconds_total": round(seconds, 1)}
    for name in CONTEXTS:
        f1s = [a[name].f1 for a in answers]
        shares = [s for item in items if (s := evidence_share(item, name)) is not None]
        out[name] = {
            "f1": round(mean(f1s), 4),
            "f1_by_category": {
                c: round(mean(a[name].f1 for a, item in zip(answers, items, strict=True) if item.question.category == c), 4)
                for c in CATEGORIES
                if any(item.question.category == c for item in items)
            },
            "evidence_recall": round(mean(shares), 4) if shares else None,
            "prompt_tokens_mean": round(mean(item.contexts[name].tokens for item in items), 1),
            "server_prompt_tokens_mean": round(mean(a[name].server_prompt_tokens for a in answers), 1),
            "seconds": round(sum(a[name].seconds for a in answers), 1),
        }
    for baseline in CONTEXTS[1:]:
        diffs = [a["engine"].f1 - a[baseline].f1 for a in answers]
        low, high = paired_bootstrap(diffs, seed)
        same = sum(normalize_answer(a["engine"].text) == normalize_answer(a[baseline].text) for a in answers)
        out[f"engine_minus_{baseline}"] = {
            "mean": round(mean(diffs), 4),
            "ci95": [round(low, 4), round(high, 4)],
            "same_answer_share": round(same / len(answers), 4),
        }
    return out


def print_report(summary: dict, items: list[Item]) -> None:
    cats = [c for c in CATEGORIES if any(item.question.category == c for item in items)]
    print(f"\n== {summary['label']}: {summary['questions']} questions, {summary['seconds_total']:.0f} s in all")
    head = f"{'context':<10}{'F1':>7}" + "".join(f"{'cat ' + str(c):>8}" for c in cats)
    print(head + f"{'evidence':>10}{'prompt tok':>12}{'server tok':>12}{'s total':>9}{'s/answer':>10}")
    for name in CONTEXTS:
        r = summary[name]
        cells = "".join(f"{r['f1_by_category'][c]:>8.3f}" for c in cats)
        evidence = f"{r['evidence_recall']:>10.3f}" if r["evidence_recall"] is not None else f"{'-':>10}"
        print(
            f"{name:<10}{r['f1']:>7.3f}{cells}{evidence}{r['prompt_tokens_mean']:>12.0f}"
            f"{r['server_prompt_tokens_mean']:>12.0f}{r['seconds']:>9.1f}{r['seconds'] / summary['questions']:>10.2f}"
        )
    within_noise = []
    for baseline in CONTEXTS[1:]:
        d = summary[f"engine_minus_{baseline}"]
        low, high = d["ci95"]
        print(
            f"engine - {baseline}: {d['mean']:+.3f} F1 (paired bootstrap 95 % interval {low:+.3f} .. {high:+.3f}); "
            f"same answer on {d['same_answer_share']:.0%} of the questions"
        )
        within_noise.append(low <= 0 <= high)
    if all(within_noise):
        recall = {name: summary[name]["evidence_recall"] for name in CONTEXTS}
        print(
            "Within noise: at this sample size this model's answers do not tell the engine's context from the "
            "baselines (both intervals include 0)"
            + (
                f", although the engine's context holds more of the evidence turns ({recall['engine']:.2f} against "
                f"{recall['recency']:.2f} and {recall['truncated']:.2f})."
                if recall["engine"] is not None and recall["recency"] is not None and recall["truncated"] is not None
                else "."
            )
        )
    elif any(within_noise):
        print("Only one of the two differences is clear of noise; see the intervals above.")


def local_tokenizer(spec: str, serve: bool, max_tokens: int) -> tuple[Tokenizer, str, int]:
    """The local model's vocabulary, its name, and the budget cap that leaves room for the
    answer in its window when this bench serves it (0: no cap)."""
    try:
        try:
            model = resolve(spec, prepare=False)
        except ModelError as exc:
            if exc.code != "model_not_prepared" or not serve:
                raise
            print(f"preparing the local model {spec} (joined and checked once per machine)", flush=True)
            model = resolve(spec)
    except ModelError as exc:
        if serve:
            raise SystemExit(str(exc)) from None
        return get_tokenizer(), "smollm2-135m", 0
    cap = model.n_ctx - max_tokens - TEMPLATE_MARGIN if serve else 0
    return get_tokenizer(str(model.path)), model.name, cap


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, help="LoCoMo JSON (e.g. ../shared/data/locomo/locomo-dev.json)")
    ap.add_argument("--questions", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--budget", type=float, default=0.05, help="budget as a fraction of each conversation's full history")
    ap.add_argument("--model-url", default="", help="an OpenAI-compatible API (…/v1) instead of the local model server")
    ap.add_argument(
        "--model",
        default="",
        help="with --model-url, the model to ask; without, the catalogue model to serve "
        "(default: LOCAL_MODEL, else the catalogue default)",
    )
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--words-only", action="store_true", help="the engine without its sentence encoder (BM25 alone)")
    ap.add_argument("--no-openai", action="store_true", help="do not also ask the configured OpenAI-compatible provider")
    ap.add_argument("--verbose", action="store_true", help="print every answer")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    started = time.perf_counter()

    data = json.load(open(args.dataset))
    pool = all_questions(data)
    questions = sample_questions(pool, args.questions, args.seed)
    local_spec = (args.model if not args.model_url else "") or os.environ.get("LOCAL_MODEL", "") or DEFAULT_MODEL
    # Tokens are counted with the local model's vocabulary, as the context service counts them
    # (SmolLM2's when --model-url is given and the local model is not on this machine).
    tok, vocabulary, cap = local_tokenizer(local_spec, serve=not args.model_url, max_tokens=args.max_tokens)
    # The engine as the run command (python -m suite) runs it: scoring by meaning too.
    engine = ContextEngine(tok, semantic=None if args.words_only else SemanticReader(SentenceEncoder.load()))
    items = prepare(data, questions, args.budget, cap, engine)

    endpoints: list[Endpoint] = []
    openai_url, openai_model = os.environ.get("OPENAI_BASE_URL", ""), os.environ.get("OPENAI_MODEL", "")
    if args.model_url:
        # The provider's key goes only to the provider's own URL.
        key = os.environ.get("OPENAI_API_KEY", "") if args.model_url.rstrip("/") == openai_url.rstrip("/") else ""
        endpoints.append(Endpoint(args.model_url.rstrip("/"), args.model, f"{args.model or 'model'} at {args.model_url}", key))
    configured = bool(openai_url and openai_model) and not args.model_url and not args.no_openai
    if configured:
        label = f"{openai_model} (OpenAI-compatible provider)"
        endpoints.append(Endpoint(openai_url.rstrip("/"), openai_model, label, os.environ.get("OPENAI_API_KEY", "")))

    results: list[tuple[Endpoint, list[dict[str, Answered]], float]] = []
    per_category = Counter(q.category for q in questions)
    budgets = [item.budget for item in items]
    print(f"machine   {machine()}")
    print(
        f"questions {len(questions)} of {len(pool)} (seed {args.seed}; "
        + ", ".join(f"cat {c} {CATEGORY_NAMES[c]}: {per_category[c]}" for c in sorted(per_category))
        + f") from {len({q.conversation for q in questions})} conversations"
    )
    print(
        f"budget    {args.budget:.0%} of each history: mean {statistics.fmean(budgets):.0f} tokens "
        f"({min(budgets)}..{max(budgets)}{f', capped at {cap}' if cap else ''}), counted with {vocabulary}'s vocabulary; "
        f"engine builds {statistics.fmean(item.build_ms for item in items):.1f} ms per question; "
        f"answers of at most {args.max_tokens} tokens",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        if not args.model_url:
            with local_model_server(local_spec, Path(tmp) / "model_server.log") as endpoint:
                answers, seconds = run(endpoint, items, args.max_tokens, args.verbose)
                results.append((endpoint, answers, seconds))
        for endpoint in endpoints:
            answers, seconds = run(endpoint, items, args.max_tokens, args.verbose)
            results.append((endpoint, answers, seconds))

    out: dict = {"budget_fraction": args.budget, "seed": args.seed, "vocabulary": vocabulary, "runs": []}
    for endpoint, answers, seconds in results:
        summary = summarize(endpoint, items, answers, seconds, args.seed)
        print_report(summary, items)
        summary["answers"] = [
            {
                **asdict(item.question),
                "budget": item.budget,
                **{name: {**asdict(a[name]), "prompt_tokens": item.contexts[name].tokens} for name in CONTEXTS},
            }
            for item, a in zip(items, answers, strict=True)
        ]
        out["runs"].append(summary)
    if not configured and not args.model_url:
        print(
            "\nNo OpenAI-compatible provider is configured (OPENAI_BASE_URL, OPENAI_MODEL): for a larger model, "
            "set them or pass --model-url URL --model NAME."
        )
    wall = time.perf_counter() - started
    out["wall_seconds"] = round(wall, 1)
    print(f"wall time {wall:.0f} s ({wall / max(1, len(items)):.1f} s per question, three answers each)")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    main()
