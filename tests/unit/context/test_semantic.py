"""The meaning signal: turns that answer a message without sharing its words."""

from __future__ import annotations

import numpy as np
import pytest

from context_service.engine import ContextConfig, ContextEngine, Turn
from context_service.engine.semantic import SemanticReader, TurnVectors

FILLER = [
    "I finally finished that novel about the lighthouse.",
    "I still need to repaint the kitchen cabinets.",
    "The new coffee place downtown opens at seven.",
    "My laptop battery barely lasts two hours now.",
    "We should book the dentist appointment soon.",
    "My tax forms are due on Friday.",
]
EVIDENCE = "Every weekend I'm out on the ocean catching waves on my board."
QUESTION = "Which sport does John do?"


class CountingEncoder:
    """The real encoder, counting the texts it embeds."""

    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, 0

    def encode(self, texts, batch_size: int = 32):
        self.texts += len(texts)
        return self.inner.encode(texts, batch_size)


def conversation(engine: ContextEngine):
    index = engine.new_index()
    for i in range(60):
        speaker = "John" if i % 2 == 0 else "Maria"
        text = EVIDENCE if i == 8 else FILLER[i % len(FILLER)]
        engine.append(index, Turn(f"t{i}", "user", text, 1_700_000_000.0 + 60 * i, speaker=speaker))
    return index


@pytest.fixture
def semantic_engine(tokenizer, sentence_encoder):
    return ContextEngine(tokenizer, ContextConfig(), SemanticReader(sentence_encoder))


def test_a_turn_with_no_shared_word_is_found_by_its_meaning(tokenizer, semantic_engine):
    words_only = ContextEngine(tokenizer, ContextConfig())
    by_words = words_only.score(conversation(words_only), QUESTION)
    assert 8 not in by_words or by_words[8][0] < max(s for s, _ in by_words.values()) / 2

    index = conversation(semantic_engine)
    scores = semantic_engine.score(index, QUESTION)
    assert scores[8][1] == "meaning"  # found by meaning, not by a shared word
    assert scores[8][0] == max(score for score, _ in scores.values())


def test_a_small_budget_keeps_the_turn_found_by_meaning(tokenizer, semantic_engine):
    index = conversation(semantic_engine)
    result = semantic_engine.build(index, QUESTION, budget_tokens=260)
    assert result.stats.context_tokens <= 260 and len(result.turns) < 60
    assert "t8" in {turn.turn_id for turn in result.turns}

    words_only = ContextEngine(tokenizer, ContextConfig())
    plain = words_only.build(conversation(words_only), QUESTION, budget_tokens=260)
    assert "t8" not in {turn.turn_id for turn in plain.turns}


def test_turns_are_embedded_when_first_scored_and_their_vectors_travel_with_them(tokenizer, sentence_encoder):
    counting = CountingEncoder(sentence_encoder)
    engine = ContextEngine(tokenizer, ContextConfig(), SemanticReader(counting))
    index = conversation(engine)
    assert counting.texts == 0  # nothing until a build scores by meaning
    engine.score(index, QUESTION)
    engine.score(index, QUESTION)
    assert counting.texts == 61  # the 60 turns in one batch, and the message once
    stored = [Turn.from_dict(turn.to_dict()) for turn in index.turns]  # as Redis and PostgreSQL keep them
    rebuilt = engine.rebuild(stored)
    engine.score(rebuilt, QUESTION)
    assert counting.texts == 61  # nothing embedded again
    probe = np.ones(384, np.float32)
    np.testing.assert_allclose(rebuilt.vectors.cosines(probe), index.vectors.cosines(probe))


def test_a_failed_embedding_is_retried_by_the_next_build(tokenizer, sentence_encoder):
    class Failing(CountingEncoder):
        def encode(self, texts, batch_size: int = 32):
            if self.texts == 0:
                self.texts = -1
                raise MemoryError("first call fails")
            return super().encode(texts, batch_size)

    engine = ContextEngine(tokenizer, ContextConfig(), SemanticReader(Failing(sentence_encoder)))
    index = conversation(engine)
    by_words = engine.score(index, QUESTION)  # the encoder failed: words alone, no error
    assert 8 not in by_words or by_words[8][1] != "meaning"
    assert len(index.unembedded) == 60
    assert engine.score(index, QUESTION)[8][1] == "meaning"
    assert index.unembedded == []


def test_a_stored_vector_that_is_not_ours_is_embedded_again(tokenizer, sentence_encoder):
    counting = CountingEncoder(sentence_encoder)
    engine = ContextEngine(tokenizer, ContextConfig(), SemanticReader(counting))
    index = engine.new_index()
    engine.append(index, Turn("t0", "user", EVIDENCE, 1.0, vector="bm90IGEgdmVjdG9y"))
    assert index.unembedded == [0] and index.turns[0].vector is None
    engine.score(index, QUESTION)
    assert counting.texts == 2 and index.turns[0].vector is not None


def test_a_turn_from_a_newer_release_loads():
    turn = Turn.from_dict({"turn_id": "t", "role": "user", "text": "hi", "ts": 1.0, "a_later_field": [1]})
    assert turn.text == "hi"


def test_an_unrelated_follow_up_gets_no_note_by_meaning(tokenizer, semantic_engine):
    index = conversation(semantic_engine)
    budget = index.full_tokens // 2
    semantic_engine.build(index, QUESTION, budget_tokens=budget, live=True)
    semantic_engine.append(index, Turn("t60", "user", "ok thanks", 1_700_010_000.0, speaker="Maria"))
    follow_up = semantic_engine.build(index, "thanks, bye", budget_tokens=budget)
    assert not any(role == "system" and "Earlier messages" in text for role, text in follow_up.sequence)


def test_turn_vectors_grow_and_a_turn_without_one_is_unrelated():
    vectors = TurnVectors()
    unit = np.zeros(384, np.float32)
    unit[0] = 1.0
    for position in range(40):
        vectors.add(position, unit if position != 5 else None)
    cosines = vectors.cosines(unit)
    assert cosines.shape == (40,) and cosines[5] == 0.0 and cosines[6] == 1.0
    assert 40 * 384 * 4 <= vectors.nbytes <= 60 * 384 * 4
    vectors.add(40, None)  # a turn past the rows: no vector, cosine 0
    assert vectors.cosines(unit).shape == (41,) and vectors.cosines(unit)[40] == 0.0
    words_only = TurnVectors()
    for position in range(100):
        words_only.add(position, None)
    assert words_only.nbytes == 0 and words_only.cosines(unit).shape == (100,)


def test_only_a_session_near_its_budget_is_prepared_for_scoring(tokenizer, semantic_engine):
    index = conversation(semantic_engine)
    full = index.full_tokens
    assert semantic_engine.will_compact(index, full // 2, QUESTION)
    assert not semantic_engine.will_compact(index, full * 3, QUESTION)
    # Whole history fits: the build sends it all and embeds nothing.
    result = semantic_engine.build(index, QUESTION, budget_tokens=full * 3)
    assert len(result.turns) == 60 and len(index.unembedded) == 60
