"""Query-independent importance of a turn (0..1), computed once at append.

Why: some turns matter whatever the next question is -- stated facts, decisions,
corrections, questions the user asked, concrete numbers/dates/names.
"""

from __future__ import annotations

import re

_NUM = re.compile(r"\b\d+(?:[.,:]\d+)?\b|[$€£]\s?\d")
_DATE = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|yesterday|tomorrow|tonight|last (?:week|month|year|night)|"
    r"next (?:week|month|year)|ago|birthday|anniversary|deadline)\b"
)
_DECISION = re.compile(
    r"(?i)\b(?:decided|decide|decision|will|going to|plan(?:ning|ned)?|let's|agreed|agree|"
    r"booked|signed up|bought|chose|choose|started|quit|promise|scheduled|appointment)\b"
)
_CORRECTION = re.compile(
    r"(?i)(?:\bactually\b|\bi meant\b|\bcorrection\b|\bnot\s+\w+\s*,?\s+but\b|^no[,!.]|"
    r"\bthat's wrong\b|\bi was wrong\b|\bto clarify\b|\bscratch that\b|\bupdate:)"
)
_ENTITY = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")


def importance(text: str, role: str, n_facts: int) -> float:
    s = 0.0
    if n_facts:
        s += min(0.45, 0.3 + 0.1 * (n_facts - 1))
    if _NUM.search(text) or _DATE.search(text):
        s += 0.15
    if _DECISION.search(text):
        s += 0.1
    if _CORRECTION.search(text):
        s += 0.2
    if role == "user" and "?" in text:
        s += 0.1
    s += min(0.15, 0.05 * len(_ENTITY.findall(text)))
    n_words = text.count(" ") + 1
    if n_words < 5:  # "ok thanks!" carries nothing
        s *= 0.3
    return min(1.0, s)
