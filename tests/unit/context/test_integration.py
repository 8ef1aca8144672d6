"""A fact told early in a long chat must reach the context of a later question about it."""

from context_service.engine import ContextEngine, Turn


def test_early_fact_survives_300_turns(tokenizer, make_turns):
    eng = ContextEngine(tokenizer)
    idx = eng.new_index()
    turns = make_turns(300)
    turns[4] = Turn("t4", "user", "By the way, my daughter Mia is severely allergic to hazelnuts.", turns[4].ts)
    turns[5] = Turn("t5", "assistant", "Thanks for telling me, I'll keep that in mind.", turns[5].ts)
    for t in turns:
        eng.append(idx, t)
    budget = 250  # about 7 % of the history
    assert budget < 0.1 * idx.full_tokens
    res = eng.build(idx, "Can Mia eat the hazelnut cake at the party?", budget, system_prompt="You are a helpful assistant.")
    chosen = {s.turn_id: s for s in res.stats.selected}
    assert "t4" in chosen and chosen["t4"].reason == "relevance"
    assert res.stats.context_tokens <= budget
    assert "daughter: Mia" in res.memory  # and it is in the profile
    assert res.stats.reduction_ratio > 0.9


def test_irrelevant_question_does_not_pull_the_fact(tokenizer, make_turns):
    eng = ContextEngine(tokenizer)
    idx = eng.new_index()
    turns = make_turns(300)
    turns[4] = Turn("t4", "user", "My favourite board game is Carcassonne.", turns[4].ts)
    for t in turns:
        eng.append(idx, t)
    res = eng.build(idx, "Which podcast did I mention?", 250)
    assert "t4" not in {t.turn_id for t in res.turns}
