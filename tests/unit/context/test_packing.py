import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from context_service.engine import BudgetTooSmallError, ContextConfig, ContextEngine, Turn

SYSTEM = "You are a helpful assistant. Be concise."


@pytest.fixture(scope="module")
def long_index(tokenizer, make_turns):
    eng = ContextEngine(tokenizer)
    idx = eng.new_index()
    facts = {
        5: "I live in Porto and I work as a teacher.",
        40: "My son Leo is allergic to shellfish.",
        90: "I love sailing and I want to run a marathon.",
        150: "Actually, the meeting is on Friday 14 March.",
    }
    for t in make_turns(200):
        pos = int(t.turn_id[1:])
        if pos in facts:
            t = Turn(t.turn_id, "user", facts[pos], t.ts)
        eng.append(idx, t)
    return eng, idx


def exact_tokens(tokenizer, result, overhead):
    return sum(tokenizer.count(c) + overhead for _, c in result.messages)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    budget=st.integers(min_value=30, max_value=4000),
    message=st.sampled_from(["Where do I live?", "What is Leo allergic to?", "hi", "When is the meeting? " * 5]),
)
def test_budget_never_exceeded(long_index, tokenizer, budget, message):
    eng, idx = long_index
    try:
        res = eng.build(idx, message, budget, system_prompt=SYSTEM)
    except BudgetTooSmallError:
        assert tokenizer.count(SYSTEM) + tokenizer.count(message) + 10 > budget
        return
    real = exact_tokens(tokenizer, res, eng.cfg.message_overhead_tokens)
    assert real == res.stats.context_tokens <= budget
    assert res.system_instruction == SYSTEM and res.messages[-1] == ("user", message)
    pos = [idx.positions[t.turn_id] for t in res.turns]
    assert pos == sorted(pos)  # chronological
    assert [s.turn_id for s in res.stats.selected] == [t.turn_id for t in res.turns]


def test_pinned_parts_present_with_reasonable_budget(long_index):
    eng, idx = long_index
    res = eng.build(idx, "Where do I live?", 1500, system_prompt=SYSTEM)
    ids = [t.turn_id for t in res.turns]
    assert ids[-4:] == [t.turn_id for t in idx.turns[-4:]]
    assert {s.reason for s in res.stats.selected if s.turn_id in ids[-4:]} == {"pinned-recent"}
    assert "location: Porto" in res.memory and res.stats.profile_tokens > 0
    assert res.stats.summary_used and "Summary of earlier conversation" in res.memory
    assert res.system_instruction == SYSTEM  # the stable start of every prompt
    assert res.messages[-2] == ("system", res.memory)  # the memory sits just before the message
    assert "t5" in ids  # the relevant fact turn itself
    st_ = res.stats
    assert st_.turns_total == 200 and st_.full_history_tokens > st_.context_tokens
    assert st_.reduction_ratio == pytest.approx(1 - st_.context_tokens / st_.full_history_tokens, abs=1e-3)
    for s in st_.selected:
        assert s.reason in {"pinned-recent", "relevance", "importance", "continuity"}
        assert s.preview == idx.turns[idx.positions[s.turn_id]].content[:80]


def test_degrades_summary_first_then_pinned(long_index):
    eng, idx = long_index
    big = eng.build(idx, "hello there", 1500, system_prompt=SYSTEM)
    assert big.stats.summary_used
    tiny_budget = eng.tok.count(SYSTEM) + eng.tok.count("hello there") + 10 + 60
    tiny = eng.build(idx, "hello there", tiny_budget, system_prompt=SYSTEM)
    assert not tiny.stats.summary_used
    assert tiny.stats.context_tokens <= tiny_budget
    pinned = [s.turn_id for s in tiny.stats.selected if s.reason == "pinned-recent"]
    assert 0 < len(pinned) < 4 and pinned[-1] == idx.turns[-1].turn_id  # fewer pinned, newest kept


def test_budget_too_small_raises(long_index):
    eng, idx = long_index
    with pytest.raises(BudgetTooSmallError):
        eng.build(idx, "a rather long question " * 20, 40, system_prompt=SYSTEM)


def test_empty_session(engine):
    idx = engine.new_index()
    res = engine.build(idx, "Hello!", 200, system_prompt=SYSTEM)
    assert res.turns == [] and not res.stats.summary_used and res.stats.context_tokens <= 200


def test_huge_recent_turn_does_not_eat_budget(tokenizer):
    eng = ContextEngine(tokenizer, ContextConfig())
    idx = eng.new_index()
    eng.append(idx, Turn("old", "user", "My cat is called Miso.", 1.0))
    eng.append(idx, Turn("doc", "user", "lorem ipsum dolor " * 400, 2.0))
    res = eng.build(idx, "What is my cat called?", 300)
    assert [t.turn_id for t in res.turns] == ["old"] and res.stats.context_tokens <= 300


def test_a_follow_up_prompt_starts_with_the_previous_prompt(engine):
    """While the history fits, each prompt extends the last one, even when the user states a
    new fact: the whole history goes verbatim and no memory comes between, so a model's
    prompt cache holds."""
    idx = engine.new_index()
    said = ["Hi, I'm Ana and I live in Lisbon.", "I love old trams.", "My sister is called Rita.", "I work as a nurse."]
    previous = None
    for n, text in enumerate(said):
        res = engine.build(idx, text, 2000, system_prompt=SYSTEM)
        stable = res.messages[: 1 + len(res.turns)]  # system prompt and turns
        if previous is not None:
            assert stable[: len(previous)] == previous
        engine.append(idx, Turn(f"u{n}", "user", text, 1e9 + n))
        engine.append(idx, Turn(f"a{n}", "assistant", f"Noted ({n}).", 1e9 + n + 0.5))
        previous = stable + [("user", text), ("assistant", f"Noted ({n}).")]
        assert res.memory == "" and res.messages[: len(stable)] == stable
    assert {s.reason for s in res.stats.selected} == {"whole-history"}
