from context_service.engine import ContextConfig, ContextEngine, Turn
from context_service.engine.summary import RollingSummary


def test_pool_is_bounded_and_keeps_important():
    s = RollingSummary(pool_size=5)
    for i in range(20):
        score = 0.9 if i == 3 else 0.2
        s.offer(i, f"t{i}", f"Sentence number {i} with content.", "user", 0.0, "user", score, 10)
    assert len(s.items) == 5 and 3 in s.items


def test_low_value_turns_are_not_summarised():
    s = RollingSummary(min_score=0.15)
    s.offer(0, "t0", "ok thanks", "user", 0.0, "user", 0.0, 3)
    assert s.items == {}


def test_key_sentence_prefers_statements():
    s = RollingSummary()
    s.offer(0, "t0", "How are you? I booked the flight to Rome for 12 May. Anyway.", "Ann", 0.0, "user", 0.5, 30)
    assert "booked the flight to Rome" in s.items[0].line and "Ann" in s.items[0].line


def test_summary_covers_unchosen_older_turns_only(tokenizer, make_turns):
    eng = ContextEngine(tokenizer, ContextConfig(summary_max_tokens=120))
    idx = eng.new_index()
    for i, t in enumerate(make_turns(120)):
        if i in (10, 30, 50):
            t = Turn(t.turn_id, "user", f"I decided to buy the house on Maple Street number {i}.", t.ts)
        eng.append(idx, t)
    res = eng.build(idx, "tell me about music festivals", 700)
    assert res.stats.summary_used
    chosen = {t.turn_id for t in res.turns}
    summarised = [it for it in idx.summary.items.values() if it.line in res.memory]
    assert summarised and all(it.turn_id not in chosen for it in summarised)
    # important old turns survive one way or the other: verbatim or summarised
    for tid in ("t10", "t30", "t50"):
        assert tid in chosen or any(it.turn_id == tid for it in summarised)
    lines = res.memory.split("Summary of earlier conversation:\n", 1)[1].splitlines()
    assert len(lines) == len(set(lines))  # no duplicate lines
    assert 0 < res.stats.summary_tokens <= 120 + 10  # bounded (estimate + exact recount)


def test_select_excludes_and_respects_budget():
    s = RollingSummary()
    for i in range(10):
        s.offer(i, f"t{i}", f"I paid {i * 100} euros for item {i}.", "user", 86400.0 * (i // 3 + 1), "user", 0.5, 12)
    got = s.select({2, 3}, 60, before_pos=8)
    assert got and all(it.pos not in (2, 3) and it.pos < 8 for it in got)
    assert RollingSummary.estimate(got) <= 60
    assert [it.pos for it in got] == sorted(it.pos for it in got)


def test_no_summary_when_everything_fits_pinned(engine, make_turns):
    idx = engine.new_index()
    for t in make_turns(3):
        engine.append(idx, t)
    res = engine.build(idx, "hi", 1000)
    assert not res.stats.summary_used and len(res.turns) == 3
