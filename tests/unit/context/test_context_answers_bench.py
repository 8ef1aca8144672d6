"""The pure parts of bench.context_answers: LoCoMo's token F1, the question sample, and the
three contexts on a hand-made conversation whose answer sits in its first session."""

from __future__ import annotations

import pytest

from bench.context_answers import (
    SYSTEM_PROMPT,
    Question,
    build_index,
    engine_context,
    full_history_tokens,
    load_conversation,
    locomo_f1,
    make_context,
    normalize_answer,
    paired_bootstrap,
    recency_context,
    sample_questions,
    token_f1,
    transcript,
    truncated_context,
)
from context_service.engine import ContextEngine


@pytest.mark.parametrize(
    ("prediction", "gold", "category", "expected"),
    [
        ("The Paris.", "paris", 4, 1.0),
        ("in Paris, France", "Paris", 4, 0.5),  # commas dropped: 1 of 3 predicted tokens
        ("salt and pepper", "pepper, salt", 4, 1.0),  # "and" dropped, order ignored
        ("she went running", "run", 4, 0.5),  # Porter stems: running -> run
        ("hiking, pottery", "pottery, camping, hiking", 1, 2 / 3),  # multi-answer: gold parts averaged
        ("pottery and hiking", "pottery, camping, hiking", 1, (2 / 3 + 0 + 2 / 3) / 3),
        ("yes", "Yes; it's classical music", 3, 1.0),  # category 3: gold before its first ";"
        ("yes", "Yes; it's classical music", 4, 2 * 1 * 0.25 / 1.25),  # not cut in other categories
        ("2022", 2022, 2, 1.0),  # LoCoMo has a few integer answers
        ("", "Paris", 4, 0.0),
        ("I don't know", "Paris", 4, 0.0),
    ],
)
def test_locomo_f1(prediction, gold, category, expected):
    assert locomo_f1(prediction, gold, category) == pytest.approx(expected)


def test_token_f1_counts_repeated_tokens_once_each():
    assert normalize_answer("The cat, a dog AND an owl!") == "cat dog owl"
    assert token_f1("cat cat", "cat") == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_sample_is_stratified_reproducible_and_in_dataset_order():
    pool = [Question(n // 50, n % 50, f"q{n}", "a", 1 + (n % 10 == 0) + 2 * (n % 4 == 1), ()) for n in range(300)]
    counts = {c: sum(q.category == c for q in pool) for c in (1, 2, 3, 4)}
    sample = sample_questions(pool, 30, seed=7)
    assert len(sample) == 30 and len(set(sample)) == 30
    for c, n in counts.items():  # each category within one question of its share
        assert abs(sum(q.category == c for q in sample) - 30 * n / 300) < 1
    assert sample == sample_questions(pool, 30, seed=7)
    assert sample != sample_questions(pool, 30, seed=8)
    assert sample == sorted(sample, key=lambda q: (q.conversation, q.number))


def test_paired_bootstrap_interval():
    assert paired_bootstrap([0.5] * 20, seed=1) == (0.5, 0.5)
    low, high = paired_bootstrap([1.0, -1.0] * 50, seed=1)
    assert low < 0 < high


FILLER = [
    ("Anna", "I watched a long film about trains last night, it was slow but lovely."),
    ("Ben", "Trains are great. I took one to the coast in spring and read the whole way."),
    ("Anna", "Work has been busy, we are moving offices next month."),
    ("Ben", "Moving offices is a pain. Are you getting a window seat at least?"),
    ("Anna", "Maybe! I also started a pottery class on Thursdays."),
    ("Ben", "Pottery sounds relaxing. I have been baking bread on weekends."),
    ("Anna", "Send me a picture of the bread next time."),
    ("Ben", "Will do. The last loaf came out a bit flat though."),
]


def hand_made() -> dict:
    """LoCoMo's format: the dog's name in the first session, twelve sessions of small talk after."""
    conv: dict = {"speaker_a": "Anna", "speaker_b": "Ben"}
    first = [
        ("Anna", "Guess what, we adopted a puppy! My dog is called Biscuit."),
        ("Ben", "Congratulations! What breed is he?"),
        ("Anna", "A beagle mix, very cheeky."),
    ]
    for s, lines in enumerate([first] + [FILLER] * 12, start=1):
        conv[f"session_{s}_date_time"] = f"10:00 am on {s} May, 2023"
        conv[f"session_{s}"] = [{"speaker": who, "dia_id": f"D{s}:{i + 1}", "text": text} for i, (who, text) in enumerate(lines)]
    return conv


@pytest.fixture(scope="module")
def setup(tokenizer):
    engine = ContextEngine(tokenizer)
    conv = load_conversation(hand_made())
    return engine, conv, build_index(engine, conv)


def exact(tokenizer, overhead, context):
    return tokenizer.count(SYSTEM_PROMPT) + tokenizer.count(context.user) + 2 * overhead


def test_conversation_keeps_sessions_and_renders_dates(setup):
    _, conv, _ = setup
    assert len(conv.turns) == 3 + 12 * 8 and conv.sessions[:4] == [1, 1, 1, 2]
    assert conv.turns[0].content == "Anna: Guess what, we adopted a puppy! My dog is called Biscuit."
    text = transcript(conv, [0, 1, 3, 98])
    assert text.splitlines() == [
        "[10:00 am on 1 May, 2023]",
        conv.turns[0].content,
        conv.turns[1].content,
        "[10:00 am on 2 May, 2023]",
        conv.turns[3].content,
        "[10:00 am on 13 May, 2023]",
        conv.turns[98].content,
    ]
    assert transcript(conv, [0, "Known facts about the user:\n- pet: Biscuit", 1]).splitlines()[2:6] == [
        "",
        "Known facts about the user:",
        "- pet: Biscuit",
        "",
    ]


@pytest.mark.parametrize("budget", [180, 300])
def test_three_contexts_share_the_budget_and_differ_where_the_answer_is(setup, tokenizer, budget):
    engine, conv, index = setup
    overhead, question, n = engine.cfg.message_overhead_tokens, "What is the name of Anna's dog?", len(conv.turns)
    assert full_history_tokens(engine, index) > 4 * budget  # the history does not fit
    built = {
        "engine": engine_context(conv, engine, index, question, budget, tokenizer),
        "recency": recency_context(conv, question, budget, tokenizer, overhead),
        "truncated": truncated_context(conv, question, budget, tokenizer, overhead),
    }
    for context in built.values():
        assert context.tokens == exact(tokenizer, overhead, context) <= budget
        assert context.user.endswith(f"Question: {question}\nShort answer:")
        assert context.turn_ids  # each shows some of the conversation
    ids = {name: context.turn_ids for name, context in built.items()}
    assert "D1:1" in ids["engine"] and "Biscuit" in built["engine"].user
    assert ids["truncated"] == [t.turn_id for t in conv.turns[: len(ids["truncated"])]]  # from the start
    assert ids["recency"] == [t.turn_id for t in conv.turns[n - len(ids["recency"]) :]]  # to the end
    assert "Biscuit" not in built["recency"].user
    assert len({tuple(v) for v in ids.values()}) == 3
    # The baselines take as much as fits: one more turn would go over the budget.
    k, j = len(ids["recency"]), len(ids["truncated"])
    assert make_context("recency", conv, range(n - k - 1, n), question, tokenizer, overhead).tokens > budget
    assert make_context("truncated", conv, range(j + 1), question, tokenizer, overhead).tokens > budget
    # The engine spends its budget: well beyond what its turns alone would need.
    assert built["engine"].tokens > budget - 40
