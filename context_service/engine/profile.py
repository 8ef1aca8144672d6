"""Rule-based user profile: who the user is, what they like, want and cannot do.

Why rules: they run offline in microseconds per turn, are explainable (every fact keeps its
source turn), and cover the high-value first-person statements ("I live in ...",
"my wife Anna ...", "I'm allergic to ...").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .text import sentences

# keys holding one current value: a newer statement replaces the older one
SINGLE = {"name", "location", "hometown", "occupation", "employer", "age", "budget", "diet", "education"}
MULTI = {"likes", "dislikes", "goals", "constraints", "allergies", "people", "pets"}
# people relations with at most one current holder ("my wife" now Maria replaces Anna)
_UNIQUE_REL = {
    "wife",
    "husband",
    "partner",
    "boyfriend",
    "girlfriend",
    "fiance",
    "fiancee",
    "fiancé",
    "fiancée",
    "mom",
    "mother",
    "dad",
    "father",
    "boss",
}
_WEAK_REL = {"friend", "colleague", "coworker", "co-worker", "boss", "roommate", "cousin"}
_CUTOFF = re.compile(
    r"\s+(?:and|but|because|since|so|when|while|which|who|though|although|as|if|or|with my|for my)\b|[,.;:!?()\"]|\s[-–—]\s", re.I
)
_PRONOUNS = {
    "it",
    "that",
    "this",
    "you",
    "them",
    "him",
    "her",
    "those",
    "these",
    "what",
    "how",
    "when",
    "the idea",
    "hearing",
    "seeing",
    "that idea",
    "to hear",
    "to see",
    "your",
}
_NOT_NAMES = {
    "Not",
    "So",
    "Just",
    "Really",
    "Very",
    "Sorry",
    "Here",
    "There",
    "Fine",
    "Good",
    "Glad",
    "Happy",
    "Sure",
    "Back",
    "Still",
    "Also",
    "Going",
    "Doing",
    "Okay",
    "Ok",
    # "I'm Italian" states a nationality, not a name
    "American",
    "British",
    "English",
    "Scottish",
    "Irish",
    "Welsh",
    "Canadian",
    "Mexican",
    "French",
    "German",
    "Italian",
    "Spanish",
    "Portuguese",
    "Dutch",
    "Swedish",
    "Danish",
    "Norwegian",
    "Finnish",
    "Polish",
    "Russian",
    "Ukrainian",
    "Greek",
    "Turkish",
    "Chinese",
    "Japanese",
    "Korean",
    "Indian",
    "Pakistani",
    "Brazilian",
    "Argentinian",
    "Australian",
    "African",
    "European",
    "Asian",
    "Jewish",
    "Muslim",
    "Christian",
    "Catholic",
    "Buddhist",
    "Hindu",
}
_OCCUPATIONS = set(
    """accountant actor actress analyst architect artist assistant attorney author
baker banker barista bartender biologist builder carpenter cashier chef chemist cleaner coach
consultant cook counselor counsellor dancer dentist designer developer director doctor driver
economist editor electrician engineer entrepreneur farmer firefighter freelancer gardener
hairdresser historian illustrator instructor intern journalist judge lawyer lecturer librarian
manager mechanic midwife musician nurse officer painter paramedic pharmacist photographer
physician physicist pilot plumber poet policeman policewoman professor programmer psychologist
receptionist researcher salesman saleswoman scientist secretary singer soldier student surgeon
teacher technician therapist trainer translator tutor veterinarian vet waiter waitress writer
youtuber streamer volunteer retiree mathematician statistician administrator""".split()
)


@dataclass
class Fact:
    key: str
    value: str
    turn_id: str
    ts: float
    confidence: float

    def norm(self) -> str:
        v = self.value.lower().strip()
        if self.key == "people" and ":" in v:  # unique relations dedup on the relation
            rel = v.split(":", 1)[0]
            return rel if rel in _UNIQUE_REL else v
        return v


def _clean(v: str, max_words: int = 6) -> str | None:
    v = _CUTOFF.split(v, 1)[0].strip()
    v = re.sub(
        r"^(?:to |the |a |an |my |some |all |being )",
        lambda m: "" if m.group(0) in ("the ", "a ", "an ") else m.group(0),
        v,
        flags=re.I,
    )
    v = re.sub(r"\s+(?:too|as well|a lot|so much|very much|anymore|now|right now|lately|these days)$", "", v, flags=re.I)
    words = v.split()
    if not words or len(words) > max_words or v.lower() in _PRONOUNS or words[0].lower() in _PRONOUNS:
        return None
    return v


_CAP = r"(?P<v>[A-Z][\w'\-]+(?:\s+(?:[A-Z][\w'\-]+|(?:de|da|del|von|van|la|le)\b)){0,3})(?![\w'])"
_I = r"\bi(?:'m| am)"
# "a (primary school) teacher": an occupation noun with up to two words before it
_OCC = r"an?\s+(?:[a-z\-]+\s+){0,2}?(?:" + "|".join(sorted(_OCCUPATIONS, key=len, reverse=True)) + r")s?"

# (key, compiled pattern, confidence, value kind) -- "free" values are cut at clause ends
_RULES: list[tuple[str, re.Pattern, float, str]] = [
    (
        "name",
        re.compile(r"(?i:\bmy name(?:'s| is)|\bcall me|\bi'?m called)\s+(?P<v>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"),
        0.95,
        "cap",
    ),
    ("name", re.compile(r"(?i:\b(?:hi|hello|hey)[,!]?\s+(?:i'm|i am|this is))\s+(?P<v>[A-Z][a-z]+)\b"), 0.7, "cap"),
    # "I am Noor, ...", "I'm Sam and ...": a capitalised word right after "I am" that ends the clause
    (
        "name",
        re.compile(r"(?:\bI|^i)(?:'m| am)\s+(?P<v>[A-Z][a-z]+)(?=\s*(?:[,.!;]|$|\s+(?:and|from|here)\b|\s+[-–—]))"),
        0.75,
        "cap",
    ),
    ("occupation", re.compile(r"(?i:\bi(?:'m| am)\s+)[A-Z][a-z]+,\s+(?i:an?\s+)(?P<v>[\w\- ]+)"), 0.75, "job"),
    (
        "location",
        re.compile(r"(?i:\bi(?:'m| am)\b[^.!?]*?\b" + _OCC + r"\s+(?:living\s+|based\s+|working\s+)?in)\s+" + _CAP),
        0.75,
        "cap",
    ),
    ("hometown", re.compile(r"(?i:\bi(?:'m| am)\b[^.!?]*?\b" + _OCC + r"\s+from)\s+" + _CAP), 0.7, "cap"),
    (
        "location",
        re.compile(r"(?i:\bi(?:'ve| have)?\s+(?:just\s+|recently\s+|finally\s+)?(?:moved|relocated)\s+(?:back\s+)?to)\s+" + _CAP),
        0.9,
        "cap",
    ),
    (
        "location",
        re.compile(
            r"(?i:\bi\s+(?:currently\s+|now\s+|still\s+)?live|\bi'?m\s+(?:currently\s+|now\s+)?(?:living|based|staying))\s+(?i:in)\s+"
            + _CAP
        ),
        0.9,
        "cap",
    ),
    (
        "hometown",
        re.compile(r"(?i:\bi(?:'m| am)\s+(?:originally\s+)?from|\bi\s+grew\s+up\s+in|\bi\s+was\s+born\s+in)\s+" + _CAP),
        0.8,
        "cap",
    ),
    ("age", re.compile(r"(?i:\bi(?:'m| am)\s+(?P<v>\d{1,3})\s*(?:years?|yrs?)[\s-]old)"), 0.95, "num"),
    ("age", re.compile(r"(?i:\bi\s+(?:just\s+)?turned\s+(?P<v>\d{1,3})\b)"), 0.85, "num"),
    (
        "occupation",
        re.compile(r"(?i:\bi\s+work\s+as|\bmy\s+job\s+is|\bi'?m\s+working\s+as)\s+(?:an?\s+)?(?P<v>[^.,;!?]+)"),
        0.9,
        "free",
    ),
    ("occupation", re.compile(r"(?i:\bi(?:'m| am)\s+(?:now\s+)?an?\s+)(?P<v>[\w\- ]+)"), 0.7, "job"),
    (
        "employer",
        re.compile(r"(?i:\bi\s+(?:now\s+)?work\s+(?:at|for)|\bi\s+(?:just\s+)?(?:joined|got\s+a\s+job\s+at))\s+" + _CAP),
        0.8,
        "cap",
    ),
    (
        "education",
        re.compile(
            r"(?i:\bi(?:'m| am)\s+studying|\bi\s+study|\bi\s+major\s+in|\bi(?:'m| am)\s+majoring\s+in)\s+(?P<v>[^.,;!?]+)"
        ),
        0.8,
        "free",
    ),
    (
        "dislikes",
        re.compile(
            r"(?i:\bi\s+(?:really\s+|absolutely\s+)?(?:hate|dislike|detest|can'?t\s+stand)|\bi\s+(?:don'?t|do\s+not)\s+(?:really\s+)?(?:like|enjoy|love)|\bi'?m\s+not\s+(?:a\s+(?:big\s+)?fan\s+of|into))\s+(?P<v>[^.!?]+)"
        ),
        0.85,
        "free",
    ),
    (
        "likes",
        re.compile(
            r"(?i:\bi\s+(?:really\s+|absolutely\s+|just\s+|also\s+|totally\s+)?(?:love|like|enjoy|adore)|\bi'?m\s+(?:really\s+|so\s+|also\s+)?(?:into|passionate\s+about|a\s+(?:big\s+|huge\s+)?fan\s+of|obsessed\s+with))\s+(?P<v>[^.!?]+)"
        ),
        0.8,
        "free",
    ),
    (
        "goals",
        re.compile(
            r"(?i:\bi\s+(?:really\s+)?(?:want|hope|plan|intend|aim)\s+to|\bi(?:'d| would)\s+(?:really\s+)?(?:like|love)\s+to|\bi'?m\s+(?:planning|hoping|aiming)\s+(?:to|on)|\bmy\s+(?:goal|dream|plan)\s+is\s+to|\bi'?m\s+saving\s+(?:up\s+)?for)\s+(?P<v>[^.!?]+)"
        ),
        0.75,
        "free",
    ),
    (
        "allergies",
        re.compile(
            r"(?i:\bi(?:'m| am)\s+(?:very\s+|severely\s+|really\s+)?allergic\s+to|\bi\s+have\s+an?\s+(?P<kind>\w+\s+)?allergy\s+to)\s+(?P<v>[^.!?]+)"
        ),
        0.95,
        "free",
    ),
    (
        "budget",
        re.compile(
            r"(?i:\bmy\s+budget\s+is|\bbudget\s+of|\bi\s+can\s+(?:only\s+)?(?:spend|afford)(?:\s+up\s+to)?)\s+(?P<v>(?:about\s+|around\s+|under\s+)?[$€£]?\s?\d[\d,.]*\s?(?:k|dollars|euros|pounds|usd|eur)?)"
        ),
        0.9,
        "free",
    ),
    (
        "diet",
        re.compile(
            r"(?i:\bi(?:'m| am)\s+(?:a\s+)?(?P<v>vegetarian|vegan|pescatarian|lactose[- ]intolerant|gluten[- ]free|diabetic|celiac|coeliac|keto|halal|kosher))"
        ),
        0.9,
        "free",
    ),
    (
        "constraints",
        re.compile(
            r"(?i:\bi\s+(?:can'?t|cannot|can\s+not|don'?t|do\s+not|never))\s+(?P<v>(?:eat|drink|drive|walk|run|travel|fly|afford|work|use|have|take|handle|swim|lift|stay|go)\b[^.!?]*)"
        ),
        0.75,
        "constraint",
    ),
    (
        "pets",
        re.compile(
            r"(?i:\bmy\s+(?P<rel>dog|cat|puppy|kitten|horse|parrot|rabbit|bunny|hamster|turtle|fish|pet))(?:,?\s+(?:named\s+|called\s+)?(?P<v>[A-Z][a-z]+))"
        ),
        0.85,
        "pet",
    ),
    (
        "people",
        re.compile(
            r"(?i:\bmy\s+(?:(?:best|close|old)\s+)?(?P<rel>wife|husband|partner|son|daughter|mom|mother|dad|father|brother|sister|friend|boyfriend|girlfriend|fianc[eé]e?|grandma|grandmother|grandpa|grandfather|aunt|uncle|cousin|boss|colleague|coworker|co-worker|roommate|niece|nephew|grandson|granddaughter|stepson|stepdaughter|kids|children|twins))(?:(?:'s\s+name\s+is|,?\s+(?:named|called|is\s+(?:called|named)))?,?\s+(?P<v>[A-Z][a-z]+(?:\s+and\s+[A-Z][a-z]+)?))?"
        ),
        0.85,
        "person",
    ),
]


def _job_ok(v: str) -> str | None:
    words = re.findall(r"[a-zA-Z\-]+", v)[:4]
    for i, w in enumerate(words):  # head noun within the first words ("software engineer at ...")
        if w.lower() in _OCCUPATIONS:
            return " ".join(words[: i + 1])
    return None


def extract_facts(text: str, turn_id: str, ts: float) -> list[Fact]:
    """All facts stated (first person) in one user message."""
    facts: list[Fact] = []
    for sent in sentences(text):
        if sent.endswith("?"):  # questions are not statements about the user
            continue
        for key, rx, conf, kind in _RULES:
            for m in rx.finditer(sent):
                raw = (m.group("v") or "").strip() if "v" in rx.groupindex else ""
                value: str | None
                if kind == "cap":
                    value = raw if raw and raw.split()[0] not in _NOT_NAMES else None
                elif kind == "num":
                    value = raw if raw and 0 < int(raw) < 120 else None
                elif kind == "job":
                    value = _job_ok(raw)
                elif kind == "person":
                    rel = m.group("rel").lower()
                    if raw and raw not in _NOT_NAMES:
                        value = f"{rel}: {raw}"
                    else:  # an unnamed "my friend" says little; family members still matter
                        value = rel if rel not in _WEAK_REL else None
                elif kind == "pet":
                    value = f"{m.group('rel').lower()}: {raw}"
                elif kind == "constraint":
                    value = _clean(raw, 8)
                    value = f"can't {value}" if value else None
                else:
                    value = _clean(raw)
                    if value and key == "occupation":  # "nurse at the city hospital" -> "nurse"
                        value = re.split(r"\s+(?:at|in|for|with)\b", value, maxsplit=1)[0]
                if value:
                    facts.append(Fact(key, value, turn_id, ts, conf))
    return facts


class Profile:
    """Current facts about the user; newer statements replace older ones."""

    def __init__(self) -> None:
        self.single: dict[str, Fact] = {}
        self.multi: dict[str, dict[str, Fact]] = {}
        self.superseded: list[Fact] = []  # audit trail of replaced values
        self.version = 0

    def add(self, f: Fact) -> None:
        self.version += 1
        if f.key in SINGLE:
            old = self.single.get(f.key)
            if old is not None and old.ts > f.ts:
                return  # out-of-order older statement
            if old is not None and old.value.lower() != f.value.lower():
                self.superseded.append(old)
            if old is not None and old.value.lower() == f.value.lower():
                f.confidence = max(f.confidence, old.confidence)
            self.single[f.key] = f
            return
        bucket = self.multi.setdefault(f.key, {})
        k = f.norm()
        old = bucket.get(k)
        if old is not None:
            if old.value.lower() != f.value.lower():
                self.superseded.append(old)
            f.confidence = max(f.confidence, old.confidence)
            del bucket[k]  # re-insert to keep latest-first iteration order
        bucket[k] = f
        # a preference flips sides: liking X now removes an earlier dislike of X
        other = {"likes": "dislikes", "dislikes": "likes"}.get(f.key)
        if other and k in self.multi.get(other, {}):
            self.superseded.append(self.multi[other].pop(k))

    def get(self, key: str) -> str | None:
        f = self.single.get(key)
        return f.value if f else None

    def values(self, key: str) -> list[str]:
        return [f.value for f in self.multi.get(key, {}).values()]

    def facts(self) -> list[Fact]:
        out = list(self.single.values())
        for bucket in self.multi.values():
            out.extend(bucket.values())
        return out

    def render_lines(self, max_values: int = 6, hidden: frozenset[str] = frozenset()) -> list[str]:
        """Compact lines, most important keys first; newest values first in lists."""
        return [f"{key}: {value}" for key, (value, _fact) in self.rendered(max_values).items() if key not in hidden]

    def rendered(self, max_values: int = 6) -> dict[str, tuple[str, Fact]]:
        """Each key's value as shown (a list joined, newest first), with its newest fact."""
        out: dict[str, tuple[str, Fact]] = {}
        for k in ("name", "age", "location", "hometown", "occupation", "employer", "education", "diet", "budget"):
            if k in self.single:
                out[k] = (self.single[k].value, self.single[k])
        for k in ("allergies", "constraints", "people", "pets", "goals", "likes", "dislikes"):
            vals = list(self.multi.get(k, {}).values())[::-1][:max_values]
            if vals:
                out[k] = ("; ".join(f.value for f in vals), vals[0])
        return out

    def to_dict(self) -> dict:
        return {
            "facts": [asdict(f) for f in self.facts()],
            "superseded": [asdict(f) for f in self.superseded],
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Profile:
        p = cls()
        for fd in sorted(d.get("facts", []), key=lambda x: x["ts"]):
            p.add(Fact(**fd))
        p.superseded = [Fact(**fd) for fd in d.get("superseded", [])]
        p.version = d.get("version", p.version)
        return p
