"""Entities and coreference (entities.py), and scoring by them: each test fails without its signal."""

from __future__ import annotations

from dataclasses import replace

from context_service.engine import ContextEngine, Turn
from context_service.engine.entities import TurnEntities, mentions

BOOKS = ["Dune", "Emma", "Ulysses", "Beloved", "Middlemarch", "Rebecca", "Persuasion", "Lolita"]


def test_names_inside_a_sentence_and_relations_of_their_owner():
    found = mentions("Yesterday my little sister flew to New York with Priya.", "user", "assistant")
    assert found.named == {"new york", "priya", "user's sister"}
    assert "yesterday" not in found.named  # a capital that only opens a sentence


def test_your_is_the_addressee_and_a_possessive_names_the_owner():
    assert mentions("How is your dog doing?", "Caroline", "Melanie").named == {"melanie's dog"}
    assert mentions("What do Melanie's kids like?", "user", None).named == {"melanie", "melanie's children"}


def test_a_name_the_session_knows_may_open_a_sentence():
    assert mentions("Priya says hi.", "user", "assistant").named == frozenset()
    assert mentions("Priya says hi.", "user", "assistant", known_names={"priya"}).named == {"priya"}


def test_a_turn_that_refers_back_inherits_what_the_sitting_just_named():
    entities = TurnEntities()
    entities.add(0, "My sister Julia got into Stanford!", "user", 100.0, set())
    entities.add(1, "Congratulations to the whole family.", "assistant", 110.0, set())
    entities.add(2, "She is nervous about moving into the dorms.", "user", 120.0, set())
    entities.add(3, "She called again.", "user", 120.0 + 7200, set())  # hours later: another sitting
    assert entities.named[2] == frozenset() and entities.linked[2] == {"julia", "stanford", "user's sister"}
    assert entities.linked[3] == frozenset()
    assert entities.turns_of["julia"] == [0, 2]


def test_speakers_names_are_not_entities():
    entities = TurnEntities()
    entities.add(0, "Thanks, Melanie, see you at Pride.", "Caroline", 1.0, {"melanie", "caroline"})
    assert entities.named[0] == {"pride"}


def filler(engine: ContextEngine, index, start: int, count: int, t0: float) -> None:
    for number in range(start, start + count):
        text = f"Sure, {BOOKS[number % len(BOOKS)]} goes on your reading list."
        engine.append(index, Turn(f"f{number}", "assistant" if number % 2 else "user", text, t0 + 60 * number))


def sister_session(engine: ContextEngine):
    index = engine.new_index()
    engine.append(index, Turn("news", "user", "My sister Julia got into Stanford!", 1_000.0))
    engine.append(index, Turn("reply", "assistant", "Congratulations to the whole family.", 1_010.0))
    engine.append(index, Turn("worry", "user", "She is nervous about moving into the dorms.", 1_020.0))
    filler(engine, index, 0, 40, 10_000.0)
    return index


def test_a_turn_that_only_refers_to_the_person_asked_about_is_found(engine):
    index = sister_session(engine)
    scores = engine.score(index, "How is Julia feeling?")
    assert scores[index.positions["worry"]][1] == "entity"
    assert scores[index.positions["worry"]][0] >= engine.cfg.min_score


def test_without_entities_that_turn_is_not_found(engine):
    words_only = ContextEngine(engine.tok, replace(engine.cfg, w_entity=0.0, entity_hop_factor=0.0))
    index = sister_session(words_only)
    scores = words_only.score(index, "How is Julia feeling?")
    assert scores.get(index.positions["worry"], (0.0, ""))[0] < engine.cfg.min_score


def reunion_session(engine: ContextEngine):
    index = engine.new_index()
    engine.append(index, Turn("booking", "user", "We booked the cabin at Lake Tahoe for the family reunion.", 1_000.0))
    filler(engine, index, 0, 20, 2_000.0)
    engine.append(index, Turn("packing", "user", "It gets freezing at Lake Tahoe at night, pack thick jackets.", 5_000.0))
    filler(engine, index, 20, 40, 6_000.0)
    return index


def test_a_chosen_turn_leads_to_the_other_turns_about_its_rarer_entities(engine):
    index = reunion_session(engine)
    scores = engine.score(index, "What should I know about the reunion?")
    assert scores[index.positions["booking"]][1] == "relevance"
    packing = scores[index.positions["packing"]]
    assert packing[1] == "entity" and packing[0] >= engine.cfg.min_score


def test_without_hops_the_second_turn_is_not_found(engine):
    no_hops = ContextEngine(engine.tok, replace(engine.cfg, entity_hop_factor=0.0))
    index = reunion_session(no_hops)
    scores = no_hops.score(index, "What should I know about the reunion?")
    assert scores.get(index.positions["packing"], (0.0, ""))[0] < engine.cfg.min_score


def test_the_context_view_says_why(engine):
    index = sister_session(engine)
    result = engine.build(index, "How is Julia feeling?", 120)
    reasons = {turn.turn_id: turn.reason for turn in result.stats.selected}
    assert reasons.get("worry") == "entity"
