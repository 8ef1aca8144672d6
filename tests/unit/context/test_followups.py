"""Follow-ups of a live conversation beyond the budget: each prompt extends the previous one
(a local model then evaluates only what is new), until a compaction makes room again."""

import statistics

from context_service.engine import ContextConfig, ContextEngine, Turn

SYSTEM = "You are a helpful assistant. Be concise."
REPLY = "That sounds lovely. Lisbon has trams, tiles, viewpoints and great pastries to enjoy."


def exact_tokens(tokenizer, result, overhead):
    return sum(tokenizer.count(c) + overhead for _, c in result.messages)


def chat(engine, idx, messages, budget):
    """Build, then append the exchange, for each message; returns each build's result and
    the prompt the model saw, reply included (what its KV cache holds afterwards)."""
    out = []
    for text in messages:
        n = len(idx) // 2
        res = engine.build(idx, text, budget, system_prompt=SYSTEM)
        out.append((res, res.messages + [("assistant", REPLY)]))
        engine.append(idx, Turn(f"u{n}", "user", text, 1e9 + 2 * n))
        engine.append(idx, Turn(f"a{n}", "assistant", REPLY, 1e9 + 2 * n + 1))
    return out


def shared_prefix(prompt, previous):
    """The share of the previous prompt (reply included) that starts the new one."""
    n = 0
    for a, b in zip(prompt, previous, strict=False):
        if a != b:
            break
        n += 1
    return n / len(previous)


def test_beyond_the_budget_prompts_keep_the_previous_one_as_their_start(tokenizer):
    engine = ContextEngine(tokenizer, ContextConfig())
    idx = engine.new_index()
    messages = [f"Question {n}: what else should we do on day {n} of the trip?" for n in range(40)]
    built = chat(engine, idx, messages, 400)
    assert idx.full_tokens > 3 * 400, "the history outgrew the budget"
    shares = []
    for (res, _), (_, previous) in zip(built[1:], built[:-1], strict=True):
        assert res.stats.context_tokens == exact_tokens(tokenizer, res, engine.cfg.message_overhead_tokens)
        assert res.stats.context_tokens <= 400
        shares.append(shared_prefix(res.messages, previous))
    beyond = shares[10:]  # once the history no longer fits
    assert sum(s == 1.0 for s in beyond) >= len(beyond) / 3, f"few prompts extend the previous one: {shares}"
    assert statistics.median(beyond) >= 0.7, shares
    assert min(beyond) < 0.5, "the history was compacted now and then"


def test_a_follow_up_that_recalls_an_old_turn_sees_it(tokenizer):
    engine = ContextEngine(tokenizer, ContextConfig())
    idx = engine.new_index()
    early = ["The blue notebook is in the second drawer of the oak desk."]
    filler = [f"Tell me one more thing about street {n} in Lisbon." for n in range(14)]
    chat(engine, idx, early + filler, 400)
    res = engine.build(idx, "Where is the blue notebook?", 400, system_prompt=SYSTEM)
    assert any("second drawer" in content for _, content in res.messages[1:-1])
    assert "u0" in {s.turn_id for s in res.stats.selected}
    assert res.stats.context_tokens == exact_tokens(tokenizer, res, engine.cfg.message_overhead_tokens) <= 400


def test_a_follow_up_quotes_an_old_turn_the_prompt_left_out(tokenizer):
    engine = ContextEngine(tokenizer, ContextConfig())
    idx = engine.new_index()
    chat(engine, idx, ["The blue notebook is in the second drawer of the oak desk."], 400)
    for n in range(40):  # talk of other things until a compaction leaves the old turn out
        chat(engine, idx, [f"Tell me one more thing about street {n} in Lisbon."], 400)
        plan = next(iter(idx.plans.values()), None)
        if plan is not None and plan.n_head == len(idx) - 2 and 0 not in plan.shown(len(idx)):
            break
    else:
        raise AssertionError("set-up: no compaction left the old turn out")
    previous = engine.build(idx, "Tell me about the trams.", 400, system_prompt=SYSTEM).messages
    res = engine.build(idx, "Where is the blue notebook?", 400, system_prompt=SYSTEM)
    assert shared_prefix(res.messages, previous[:-2]) == 1.0, "a follow-up: the prompt kept its start"
    role, note = res.messages[-2]
    assert role == "system" and note.startswith("Earlier messages") and "second drawer" in note


def test_a_one_shot_build_spends_the_whole_budget(tokenizer):
    """Headroom is for live conversations only: an index built at once (a restart, a
    benchmark) gets the same selection as with no headroom at all."""
    turns = [
        Turn(f"t{n}", "user" if n % 2 else "assistant", f"Fact number {n} is about topic {n % 7}.", 1e9 + n) for n in range(300)
    ]
    picks = []
    for headroom in (0.0, 0.5):
        engine = ContextEngine(tokenizer, ContextConfig(followup_headroom_fraction=headroom))
        idx = engine.rebuild(list(turns))
        res = engine.build(idx, "What is fact number 42 about?", 600, system_prompt=SYSTEM)
        picks.append([s.turn_id for s in res.stats.selected])
    assert picks[0] == picks[1]


def test_a_retry_of_the_same_turn_is_built_afresh(tokenizer):
    """No turn was added since the last build (a retry, another question): nothing to extend."""
    engine = ContextEngine(tokenizer, ContextConfig())
    idx = engine.new_index()
    chat(engine, idx, [f"Tell me about museum {n} in Porto, please." for n in range(12)], 300)
    first = engine.build(idx, "Which museum opens late?", 300, system_prompt=SYSTEM)
    again = engine.build(idx, "Which museum opens late?", 300, system_prompt=SYSTEM)
    assert first.messages == again.messages
