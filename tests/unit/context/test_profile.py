import pytest

from context_service.engine import Profile, Turn, extract_facts


def facts_of(text):
    return {(f.key, f.value) for f in extract_facts(text, "t1", 1.0)}


def test_basic_facts():
    got = facts_of("Hi, I'm Anna. I live in Paris and I work as a nurse at the city hospital.")
    assert {("name", "Anna"), ("location", "Paris"), ("occupation", "nurse")} <= got
    got = facts_of("I'm 34 years old. I'm allergic to peanuts. My budget is $500. I can't drive at night.")
    assert {("age", "34"), ("allergies", "peanuts"), ("budget", "$500")} <= got
    assert any(k == "constraints" and v.startswith("can't drive") for k, v in got)


def test_preferences_goals_people():
    got = facts_of("I love hiking and I hate rainy days. I want to learn German. My wife Maria and my son Tom say hi.")
    assert ("likes", "hiking") in got and ("dislikes", "rainy days") in got
    assert ("goals", "learn German") in got
    assert {("people", "wife: Maria"), ("people", "son: Tom")} <= got


def test_questions_and_pronouns_are_not_facts():
    assert facts_of("Do you live in Paris?") == set()
    assert facts_of("I love that!") == set()


def test_fact_keeps_source_time_confidence():
    (f,) = [f for f in extract_facts("I moved to Berlin last month.", "turn-9", 123.0) if f.key == "location"]
    assert (f.value, f.turn_id, f.ts) == ("Berlin", "turn-9", 123.0)
    assert 0 < f.confidence <= 1


def test_update_replaces_single_value(engine):
    idx = engine.new_index()
    engine.append(idx, Turn("a", "user", "I live in Paris.", 1.0))
    engine.append(idx, Turn("b", "user", "Big news: I moved to Berlin!", 2.0))
    assert idx.profile.get("location") == "Berlin"
    assert idx.profile.single["location"].turn_id == "b"
    assert [f.value for f in idx.profile.superseded if f.key == "location"] == ["Paris"]


def test_multi_values_accumulate_and_dedup():
    p = Profile()
    for i, text in enumerate(["I love jazz.", "I love hiking.", "I really love Jazz!"]):
        for f in extract_facts(text, f"t{i}", float(i)):
            p.add(f)
    assert sorted(v.lower() for v in p.values("likes")) == ["hiking", "jazz"]
    assert p.multi["likes"]["jazz"].turn_id == "t2"  # latest source kept


def test_preference_flip_and_relation_update():
    p = Profile()
    for i, text in enumerate(
        ["I love hiking.", "My wife Anna is great.", "I don't like hiking anymore.", "My wife Maria and I got married in May."]
    ):
        for f in extract_facts(text, f"t{i}", float(i)):
            p.add(f)
    assert "hiking" in p.values("dislikes") and "hiking" not in p.values("likes")
    assert [v for v in p.values("people") if v.startswith("wife")] == ["wife: Maria"]


def test_only_user_turns_feed_profile(engine):
    idx = engine.new_index()
    engine.append(idx, Turn("a", "assistant", "I live in Tokyo.", 1.0))
    assert idx.profile.get("location") is None
    engine.append(idx, Turn("b", "user", "I live in Lima.", 2.0))
    assert idx.profile.get("location") == "Lima"


def test_profile_roundtrip():
    p = Profile()
    for f in extract_facts("I live in Oslo. I love chess.", "t1", 5.0):
        p.add(f)
    q = Profile.from_dict(p.to_dict())
    assert q.get("location") == "Oslo" and q.values("likes") == ["chess"]
    assert q.render_lines() == p.render_lines()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi! I am Noor, a teacher in Oslo.", {("name", "Noor"), ("occupation", "teacher"), ("location", "Oslo")}),
        ("I'm Sam and I work as a nurse.", {("name", "Sam"), ("occupation", "nurse")}),
        ("I am a software engineer from Berlin.", {("occupation", "software engineer"), ("hometown", "Berlin")}),
        ("My wife is called Mia.", {("people", "wife: Mia")}),
        ("My sister's name is Lena.", {("people", "sister: Lena")}),
    ],
)
def test_everyday_introductions(text: str, expected: set[tuple[str, str]]) -> None:
    assert {(f.key, f.value) for f in extract_facts(text, "t1", 0.0)} == expected


@pytest.mark.parametrize(
    "text", ["I'm Italian and proud of it.", "I am happy to help.", "I'm in a meeting.", "I am interested in Python."]
)
def test_states_and_nationalities_are_not_names_or_places(text: str) -> None:
    keys = {f.key for f in extract_facts(text, "t1", 0.0)}
    assert not keys & {"name", "location"}
