"""Lexical normalisation shared by BM25, importance and summaries.

Why our own tokeniser: BM25 needs cheap word terms (stemmed, stopwords removed), not model
tokens; it runs once per appended turn and once per query.
"""

from __future__ import annotations

import re

import snowballstemmer  # uses the C PyStemmer automatically when installed

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_COMPOUND = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b")  # "de-stress" also indexed as "destress"
_SENT = re.compile(r"(?<=[.!?])\s+|\n+")
_stemmer = snowballstemmer.stemmer("english")
_stem_cache: dict[str, str] = {}

# Standard English function words + chat fillers + question words; they carry no topic.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves will shall may might must also just really
    yeah yes yep oh ohh hey hi hello wow ok okay lol um uh hmm haha thanks thank please sure
    well gonna wanna got get gets getting s t d ll re ve m don didn doesn isn wasn aren
    thing things stuff lot lots much many something anything everything kind sort quite
    """.split()
)


def _stem(w: str) -> str:
    s = _stem_cache.get(w)
    if s is None:
        if len(_stem_cache) > 500_000:  # bound memory on adversarial input
            _stem_cache.clear()
        s = _stem_cache[w] = _stemmer.stemWord(w)
    return s


def words(text: str) -> list[str]:
    low = text.lower().replace("\u2019", "'")
    out = _WORD.findall(low)
    if "-" in low:
        out.extend(m.replace("-", "") for m in _COMPOUND.findall(low))
    return out


def terms(text: str) -> list[str]:
    """Stemmed content terms of `text` (with repeats, for term frequencies)."""
    out = []
    for w in words(text):
        if w in STOPWORDS:
            continue
        if "'" in w:  # possessive/contraction: "anna's" -> "anna"
            w = w.split("'", 1)[0]
            if w in STOPWORDS or not w:
                continue
        if len(w) < 2 and not w.isdigit():
            continue
        out.append(_stem(w))
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text) if s and s.strip()]


# A turn that says when something happened ("yesterday", "last May", "two weeks ago", "in 2022").
_TIME = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|recently|ago|last\s+(?:night|week|weekend|month|year|summer|winter|spring|fall)|"
    r"next\s+(?:week|weekend|month|year)|this\s+(?:morning|week|weekend|month|year)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# A message that asks when ("When did ...?", "what year ...", "how long ago ...").
_ASKS_WHEN = re.compile(r"\b(?:when|what\s+(?:time|date|day|month|year)|how\s+long\s+ago|since\s+when)\b", re.IGNORECASE)


def says_when(text: str) -> bool:
    return _TIME.search(text) is not None


def asks_when(message: str) -> bool:
    return _ASKS_WHEN.search(message) is not None
