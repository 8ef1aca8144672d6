"""The times a text refers to, resolved against when it was said.

"I went to the support group yesterday", said on 8 May 2023, is about 7 May 2023; "What did
Maria do in December 2023?" and "what did I say last week?" ask about spans of time. Both
become `Span`s, so a message that names a time can find the turns said then, or about then
(ContextEngine.score).

Why a small resolver of our own and not dateparser: it runs on every appended turn, on the
service's hot path, and needs only English expressions that name a day, a week, a month or a
year; anything it cannot read is simply not a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

DAY = 86_400.0

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number for number, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "couple of": 2,
    "few": 3,
}

_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# What a text must hold for a kind of pattern to match, checked first: most turns name no time,
# and the cues cost a fraction of the patterns.
_DIGITS = tuple("0123456789")
_CUES = {
    "date": _DIGITS,
    "month_year": _DIGITS,
    "day_month": _DIGITS,
    "year": _DIGITS,
    "day": ("yesterday", "today", "tonight", "tomorrow", "night", "this"),
    "ago": ("ago",),
    "relative": ("last", "this", "next", "past"),
    "weekday": ("day",),
    "month": ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
}
# Most specific first: a span a later pattern would also match is taken by the first.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("date", rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\.?,?\s+{_YEAR}\b"),
        ("date", rf"\b{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}\b"),
        ("month_year", rf"\b{_MONTH}\.?,?\s+(?:of\s+)?{_YEAR}\b"),
        ("day_month", rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b"),
        ("day_month", rf"\b{_MONTH}\.?\s+{_DAY}\b(?!\s*(?:am|pm|%|:|\d))"),
        # a number like 2022 is a year after "in" and the like, or closing a sentence
        ("year", rf"\b(?:in|of|during|since|from|by|until|back\s+in)\s+{_YEAR}\b"),
        ("year", rf"\b{_YEAR}(?=\s*[.,?!]|$)"),
        ("day", r"\b(?P<word>yesterday|today|tonight|tomorrow|last\s+night|this\s+(?:morning|afternoon|evening))\b"),
        (
            "ago",
            r"\b(?P<count>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|couple\s+of|few)\s+"
            r"(?P<unit>day|week|month|year)s?\s+ago\b",
        ),
        ("relative", r"\b(?P<which>last|this|next|past)\s+(?P<unit>week|weekend|month|year|summer|winter|spring|fall|autumn)\b"),
        ("weekday", r"\b(?P<which>last|this|next|on)?\s*(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"),
        # "may" and "march" are verbs too: a month alone needs a word that makes it one
        ("month", rf"\b(?P<which>in|last|this|next|early|late|mid|since|until|during|of)[\s-]+{_MONTH}\b"),
    )
)


@dataclass(frozen=True, slots=True)
class Span:
    """[start, end) in unix seconds (UTC)."""

    start: float
    end: float

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY


def day_of(ts: float) -> Span:
    """The UTC day `ts` falls on."""
    start = (ts // DAY) * DAY
    return Span(start, start + DAY)


def referenced(text: str, said_at: float) -> list[Span]:
    """Each time `text` names, as said at `said_at` (unix seconds), in the order found."""
    found: list[tuple[int, Span]] = []
    taken: list[tuple[int, int]] = []
    lower = text.lower()
    cued = {kind for kind, cues in _CUES.items() if any(cue in lower for cue in cues)}
    if not cued:
        return []
    today = datetime.fromtimestamp(said_at, UTC).date()
    for kind, pattern in _PATTERNS:
        if kind not in cued:
            continue
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            span = _resolve(kind, match, today)
            if span is not None:
                found.append((match.start(), span))
                taken.append(match.span())
    return [span for _, span in sorted(found, key=lambda item: item[0])]


def _resolve(kind: str, match: re.Match[str], today: date) -> Span | None:
    groups = match.groupdict()
    try:
        if kind == "date":
            return _days(date(int(groups["year"]), _MONTHS[groups["month"].lower()], int(groups["day"])), 1)
        if kind == "day_month":  # the latest such day so far
            month, day = _MONTHS[groups["month"].lower()], int(groups["day"])
            year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
            return _days(date(year, month, day), 1)
        if kind == "month_year":
            return _month(int(groups["year"]), _MONTHS[groups["month"].lower()])
        if kind == "year":
            year = int(groups["year"])
            return _span(date(year, 1, 1), date(year + 1, 1, 1))
        if kind == "day":
            return _days(today + timedelta(days=_DAY_WORDS[" ".join(groups["word"].lower().split())]), 1)
        if kind == "ago":
            return _ago(groups["count"].lower(), groups["unit"].lower(), today)
        if kind == "relative":
            return _relative(groups["which"].lower(), groups["unit"].lower(), today)
        if kind == "weekday":
            return _weekday((groups["which"] or "on").lower(), _WEEKDAYS[groups["weekday"].lower()], today)
        if kind == "month":
            return _named_month(groups["which"].lower(), _MONTHS[groups["month"].lower()], today)
    except ValueError:  # 31 February and the like: not a time
        return None
    return None


_DAY_WORDS = {
    "yesterday": -1,
    "last night": -1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "tomorrow": 1,
}


def _span(first: date, after_last: date) -> Span:
    return Span(_ts(first), _ts(after_last))


def _ts(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _days(first: date, count: int) -> Span:
    return _span(first, first + timedelta(days=count))


def _month(year: int, month: int) -> Span:
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return _span(date(year, month, 1), after)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _ago(count_word: str, unit: str, today: date) -> Span | None:
    count = int(count_word) if count_word.isdigit() else _NUMBERS.get(" ".join(count_word.split()))
    if not count or count > 100:
        return None
    if unit == "day":
        return _days(today - timedelta(days=count), 1)
    if unit == "week":  # "two weeks ago": the week around that day
        return _days(today - timedelta(days=7 * count + 3), 7)
    if unit == "month":
        months = today.year * 12 + today.month - 1 - count
        return _month(months // 12, months % 12 + 1)
    return _span(date(today.year - count, 1, 1), date(today.year - count + 1, 1, 1))


_SEASONS = {"spring": (3, 3), "summer": (6, 3), "fall": (9, 3), "autumn": (9, 3), "winter": (12, 3)}


def _relative(which: str, unit: str, today: date) -> Span | None:
    step = {"last": -1, "past": -1, "this": 0, "next": 1}[which]
    if unit == "week":
        return _days(_week_start(today) + timedelta(days=7 * step), 7)
    if unit == "weekend":  # Saturday and Sunday; "last weekend" on a Sunday is the one before
        return _days(_week_start(today) + timedelta(days=5 + 7 * step), 2)
    if unit == "month":
        months = today.year * 12 + today.month - 1 + step
        return _month(months // 12, months % 12 + 1)
    if unit == "year":
        return _span(date(today.year + step, 1, 1), date(today.year + step + 1, 1, 1))
    first_month, length = _SEASONS[unit]
    year = today.year + step
    if step == -1 and today.month >= first_month + length:  # last summer, said in October
        year = today.year
    months = year * 12 + first_month - 1
    after = months + length
    return _span(date(months // 12, months % 12 + 1, 1), date(after // 12, after % 12 + 1, 1))


def _weekday(which: str, weekday: int, today: date) -> Span:
    """ "on Friday" and "last Friday": the latest Friday before today; "next Friday": the first after."""
    if which == "next":
        return _days(today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1), 1)
    if which == "this":
        return _days(_week_start(today) + timedelta(days=weekday), 1)
    return _days(today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1), 1)


def _named_month(which: str, month: int, today: date) -> Span:
    """ "in May": the latest May up to this month (a plan for "next May" is the one after)."""
    year = today.year if month <= today.month else today.year - 1
    if which == "last" and month == today.month:
        year -= 1
    if which == "next":
        year = today.year if month > today.month else today.year + 1
    return _month(year, month)


class TurnTimes:
    """When each turn of a session was said, and the times it names: what a message that names
    a time is matched against. Appended to turn by turn, like the other indexes."""

    def __init__(self) -> None:
        self._said: list[float] = []
        self._named: list[tuple[int, float, float]] = []  # (position, start, end) per time named
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None  # both as arrays, until the next add

    def add(self, position: int, said_at: float, text: str) -> None:
        self._said.append(said_at)
        self._named.extend((position, span.start, span.end) for span in referenced(text, said_at))
        self._arrays = None

    def _as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrays is None:
            self._arrays = (np.asarray(self._said), np.asarray(self._named, dtype=float).reshape(-1, 3))
        return self._arrays

    def matching(self, spans: list[Span]) -> set[int]:
        """The turns said within one of `spans`, or naming a time that overlaps one."""
        if not spans or not self._said:
            return set()
        said, named = self._as_arrays()
        hit = np.zeros(len(said), dtype=bool)
        for span in spans:
            hit |= (said >= span.start) & (said < span.end)
        positions = set(np.flatnonzero(hit).tolist())
        if len(named):
            overlap = np.zeros(len(named), dtype=bool)
            for span in spans:
                overlap |= (named[:, 1] < span.end) & (span.start < named[:, 2])
            positions.update(named[overlap, 0].astype(int).tolist())
        return positions
