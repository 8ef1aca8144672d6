from context_service.engine import ContextEngine, SessionIndex, Turn
from context_service.engine.text import terms


def test_append_updates_postings_and_stats(engine):
    idx = engine.new_index()
    engine.append(idx, Turn("a", "user", "Kayaking in Norway was amazing.", 1.0))
    assert idx.bm25.df(terms("kayaking")[0]) == 1
    engine.append(idx, Turn("b", "assistant", "Norway has great kayaking spots.", 2.0))
    k = terms("kayaking")[0]
    assert idx.bm25.df(k) == 2 and list(idx.bm25.postings[k][0]) == [0, 1]
    assert idx.full_tokens == idx.turns[0].tokens + idx.turns[1].tokens > 0
    assert engine.score(idx, "kayaking")[1][1] == "relevance"


def test_tokenise_once_per_turn_and_build_is_history_independent(counting, make_turns):
    eng = ContextEngine(counting)
    idx = eng.new_index()
    turns = make_turns(150)
    for t in turns[:50]:
        eng.append(idx, t)
    assert counting.calls == 50  # one count per appended turn
    eng.build(idx, "warm up caches", 500, "sys")
    c0 = counting.calls
    eng.build(idx, "What do you think about coffee?", 500, "sys")
    small_delta = counting.calls - c0
    for t in turns[50:]:
        eng.append(idx, t)
    assert counting.calls == c0 + small_delta + 100
    c1 = counting.calls
    eng.build(idx, "What do you think about coffee?", 500, "sys")
    # the query and, once there is one, the memory (profile, summary) and a note quoting
    # turns (the conversation went on: a live compaction) with its fixed strings, counted
    # once and cached; never the turns one by one
    assert 1 <= small_delta <= 2 and 1 <= counting.calls - c1 <= 6


def test_precounted_turns_are_not_retokenised(counting, make_turns):
    eng = ContextEngine(counting)
    turns = make_turns(30)
    for t in turns:
        t.tokens = 7
    idx = eng.rebuild(turns)
    assert counting.calls == 0 and idx.full_tokens == 210


def test_serialisation_roundtrip(engine, make_turns):
    idx = engine.new_index()
    for t in make_turns(80):
        engine.append(idx, t)
    engine.append(idx, Turn("f", "user", "I live in Quito and I love salsa dancing.", 1e10))
    blob = idx.to_bytes()
    assert isinstance(blob, bytes) and len(blob) < 20_000
    idx2 = SessionIndex.from_bytes(blob)
    assert idx2.profile.get("location") == "Quito"
    a = engine.build(idx, "Where do I live and what dance?", 400, "sys")
    b = engine.build(idx2, "Where do I live and what dance?", 400, "sys")
    assert a.stats == b.stats and a.system_instruction == b.system_instruction and a.memory == b.memory
    # the restored index keeps growing incrementally
    engine.append(idx2, Turn("g", "user", "I moved to Cusco.", 1e10 + 1))
    assert idx2.profile.get("location") == "Cusco" and len(idx2) == len(idx) + 1


def test_duplicate_turn_id_rejected(engine):
    idx = engine.new_index()
    engine.append(idx, Turn("a", "user", "one", 1.0))
    try:
        engine.append(idx, Turn("a", "user", "two", 2.0))
    except ValueError:
        return
    raise AssertionError("duplicate turn_id accepted")
