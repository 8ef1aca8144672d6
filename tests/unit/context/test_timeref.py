"""The time resolver, and scoring by the time a message names (timeref.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from context_service.engine import ContextEngine, Turn
from context_service.engine.timeref import DAY, Span, TurnTimes, referenced

MONDAY_8_MAY_2023 = datetime(2023, 5, 8, 15, 0, tzinfo=UTC).timestamp()


def days(text: str, said_at: float = MONDAY_8_MAY_2023) -> list[tuple[str, int]]:
    return [(datetime.fromtimestamp(span.start, UTC).date().isoformat(), round(span.days)) for span in referenced(text, said_at)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I went to the support group yesterday", [("2023-05-07", 1)]),
        ("Last night was loud", [("2023-05-07", 1)]),
        ("What did Maria do in December 2023?", [("2023-12-01", 31)]),
        ("It happened on October 13, 2023.", [("2023-10-13", 1)]),
        ("We met on 1 February, 2023", [("2023-02-01", 1)]),
        ("a party last weekend", [("2023-05-06", 2)]),
        ("next week", [("2023-05-15", 7)]),
        ("two weeks ago", [("2023-04-21", 7)]),
        ("I moved here 4 years ago", [("2019-01-01", 365)]),
        ("last Friday", [("2023-05-05", 1)]),
        ("on Monday", [("2023-05-01", 1)]),  # said on a Monday: the one before
        ("back in 2019 I lived in Oslo", [("2019-01-01", 365)]),
        ("in May", [("2023-05-01", 31)]),
        ("in September", [("2022-09-01", 30)]),  # the latest September so far
        ("last summer", [("2022-06-01", 92)]),
        ("a month ago", [("2023-04-01", 30)]),
        ("on May 3?", [("2023-05-03", 1)]),
        ("since 20 December", [("2022-12-20", 1)]),
    ],
)
def test_resolves_what_a_text_names_against_when_it_was_said(text, expected):
    assert days(text) == expected


@pytest.mark.parametrize("text", ["I may go", "They march on", "I have 2022 reasons", "31 of them", "it was recent"])
def test_reads_no_time_into_words_that_only_look_like_one(text):
    assert referenced(text, MONDAY_8_MAY_2023) == []


def test_an_impossible_date_falls_back_to_its_month():
    assert days("on 31 February 2023") == [("2023-02-01", 28)]


def test_turn_times_match_turns_said_then_and_turns_naming_then():
    times = TurnTimes()
    times.add(0, MONDAY_8_MAY_2023, "I went climbing yesterday")  # about 7 May
    times.add(1, MONDAY_8_MAY_2023 - DAY, "Nothing much today")  # said 7 May
    times.add(2, MONDAY_8_MAY_2023 + 3 * DAY, "Plans for next month")  # June
    seventh = datetime(2023, 5, 7, tzinfo=UTC).timestamp()
    assert times.matching([Span(seventh, seventh + DAY)]) == {0, 1}
    assert times.matching([]) == set()


BOOKS = ["Dune", "Emma", "Ulysses", "Beloved", "Middlemarch", "Rebecca", "Persuasion", "Lolita"]


def reading_note(number: int) -> str:
    """Filler without digits or days: numbers would match the dates asked about."""
    return f"Sure, {BOOKS[number % len(BOOKS)]} goes on your reading list."


DIARY = [  # (day of May 2023, text): the garden comes up on three days
    (1, "I planted tomatoes in the garden."),
    (2, "Work was busy, lots of meetings."),
    (3, "The garden needs more water, the soil is dry."),
    (4, "We watched a film at home."),
    (5, "I finally fixed the garden fence."),
    (6, "Dinner with friends, very nice."),
]


def diary(engine: ContextEngine):
    index = engine.new_index()
    for number, (day, text) in enumerate(DIARY):
        engine.append(index, Turn(f"d{number}", "user", text, datetime(2023, 5, day, 18, tzinfo=UTC).timestamp()))
    for filler in range(40):  # a week later, none of it about the garden or those days
        said = datetime(2023, 5, 13, 9, tzinfo=UTC).timestamp() + 60 * filler
        engine.append(index, Turn(f"f{filler}", "assistant", reading_note(filler), said))
    return index


def best(scores: dict[int, tuple[float, str]]) -> int:
    return max(scores, key=lambda position: scores[position][0])


def test_a_message_naming_a_day_finds_what_was_said_that_day(engine):
    index = diary(engine)
    index.message_time = datetime(2023, 5, 14, 10, tzinfo=UTC).timestamp()
    scores = engine.score(index, "What did I say about the garden on May 3?")
    assert best(scores) == index.positions["d2"]
    assert scores[index.positions["d2"]][1] == "time"


def test_without_the_time_signal_another_garden_turn_wins(engine):
    """The same question scored by words alone: the test above depends on the time signal."""
    words_only = ContextEngine(engine.tok, replace(engine.cfg, time_max_share=0.0))
    index = diary(words_only)
    index.message_time = datetime(2023, 5, 14, 10, tzinfo=UTC).timestamp()
    scores = words_only.score(index, "What did I say about the garden on May 3?")
    assert best(scores) != index.positions["d2"]


def test_last_week_counts_back_from_when_the_message_is_sent(engine):
    index = diary(engine)
    # Sent on Monday 8 May: "last week" is 1-7 May; sent a week later it is 8-14 May.
    early = engine.build(
        index, "What did we say last week about the garden?", 400, now=datetime(2023, 5, 8, 9, tzinfo=UTC).timestamp()
    )
    assert {turn.turn_id for turn in early.turns} >= {"d0", "d2", "d4"}
    index.message_time = datetime(2023, 5, 15, 9, tzinfo=UTC).timestamp()
    late = engine.score(index, "What did we say last week about the garden?")
    assert all(reason != "time" for position, (_, reason) in late.items() if index.turns[position].turn_id.startswith("d"))


def test_a_time_most_of_the_session_shares_tells_nothing_apart(engine):
    index = engine.new_index()
    for number in range(20):
        engine.append(
            index,
            Turn(
                f"t{number}", "user", f"Note {number} about the garden", datetime(2023, 5, 2, 9, tzinfo=UTC).timestamp() + number
            ),
        )
    scores = engine.score(index, "What did I say about the garden in May?")
    assert all(reason != "time" for _, reason in scores.values())


def test_a_turn_naming_the_day_asked_about_is_found_by_that_day(engine):
    index = engine.new_index()
    engine.append(
        index, Turn("said", "user", "I ran my first half marathon yesterday!", datetime(2023, 5, 8, 9, tzinfo=UTC).timestamp())
    )
    for filler in range(40):
        engine.append(
            index, Turn(f"f{filler}", "assistant", reading_note(filler), datetime(2023, 6, 1, tzinfo=UTC).timestamp() + filler)
        )
    scores = engine.score(index, "What happened on 7 May 2023?")
    assert scores[index.positions["said"]][1] == "time"
    assert best(scores) == index.positions["said"]
