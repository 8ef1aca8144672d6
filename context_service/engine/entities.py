"""Who and what a turn is about: names, and the people and pets of a speaker's life.

"My sister starts at Stanford in May", then "She is nervous about it": the second turn names
no one, but it is about the user's sister and Stanford too. Each turn gets the entities it
names and, when it refers back ("she", "it", "that trip"), those of the turns just before it in
the same sitting. A message about "my sister" (or "Melanie's kids") then reaches every turn
about them, and a turn chosen for a message leads to the other turns about its rarer entities
(multi-hop: ContextEngine.score).

Rules, not a model: they run on every appended turn. An entity is
- a name: a run of capitalised words not opening a sentence ("Stanford", "New York"), or one
  opening a sentence that the session has already seen inside one;
- a relation of its owner: "my sister" said by Anna is Anna's sister, "your dog" said to Anna
  is Anna's dog, "Anna's kids" in a message is Anna's children.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b")
_RELATIVES = {
    "sister": "sister",
    "sis": "sister",
    "brother": "brother",
    "bro": "brother",
    "mom": "mother",
    "mum": "mother",
    "mother": "mother",
    "mama": "mother",
    "dad": "father",
    "father": "father",
    "papa": "father",
    "parents": "parents",
    "wife": "wife",
    "husband": "husband",
    "partner": "partner",
    "girlfriend": "girlfriend",
    "boyfriend": "boyfriend",
    "fiance": "fiance",
    "fiancee": "fiance",
    "son": "son",
    "daughter": "daughter",
    "kids": "children",
    "children": "children",
    "kid": "child",
    "child": "child",
    "baby": "baby",
    "family": "family",
    "grandma": "grandmother",
    "grandmother": "grandmother",
    "grandpa": "grandfather",
    "grandfather": "grandfather",
    "aunt": "aunt",
    "uncle": "uncle",
    "cousin": "cousin",
    "niece": "niece",
    "nephew": "nephew",
    "friend": "friend",
    "friends": "friends",
    "boss": "boss",
    "manager": "boss",
    "colleague": "colleague",
    "coworker": "colleague",
    "coworkers": "colleagues",
    "colleagues": "colleagues",
    "team": "team",
    "roommate": "roommate",
    "neighbor": "neighbour",
    "neighbour": "neighbour",
    "teacher": "teacher",
    "mentor": "mentor",
    "doctor": "doctor",
    "therapist": "therapist",
    "dog": "dog",
    "puppy": "dog",
    "cat": "cat",
    "kitten": "cat",
    "pet": "pet",
    "pets": "pets",
}
_ADJECTIVES = r"(?:(?:little|big|older|younger|oldest|youngest|best|old|new|late|two|three|dear)\s+)?"
_RELATIVE = "|".join(sorted(_RELATIVES, key=len, reverse=True))
_MY = re.compile(rf"\b(?P<whose>my|our|your)\s+{_ADJECTIVES}(?P<who>{_RELATIVE})\b", re.IGNORECASE)
_NAMES = re.compile(rf"\b(?P<whose>[A-Z][a-z]+)'s\s+{_ADJECTIVES}(?P<who>{_RELATIVE})\b")
# A turn that refers back to what was just said.
_REFERS_BACK = re.compile(r"\b(?:she|he|her|him|his|hers|they|them|their|it|its|there|that|those|these|this)\b", re.IGNORECASE)
# Capitalised words that are not names.
_NOT_NAMES = frozenset(
    """i i'm i've i'd i'll im ive id ok okay oh hey hi hello yes yeah no wow thanks thank please sorry
    mr mrs ms dr the a an and but or so my your our his her their its it this that these those
    what when where who why how which monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    god lol omg haha congrats congratulations awesome great cool nice good love""".split()
)
SITTING_SECONDS = 3600.0  # turns this close belong to one sitting: "she" can refer back across them


@dataclass(frozen=True, slots=True)
class Mentions:
    """The entities a text names itself, and whether it refers back to earlier ones."""

    named: frozenset[str]
    refers_back: bool
    inside: frozenset[str]  # the names found inside a sentence (so one may open a sentence later)


def mentions(text: str, speaker: str, addressee: str | None, known_names: AbstractSet[str] = frozenset()) -> Mentions:
    """The entities of `text` said by `speaker` (a display name, or a role) to `addressee`.

    `known_names`: names the session has seen inside a sentence, so a sentence may open with one.
    """
    named: set[str] = set()
    inside: set[str] = set()
    for match in _CAPITALISED.finditer(text):
        name = match.group(0).lower()
        if name in _NOT_NAMES or name.split()[0] in _NOT_NAMES:
            continue
        opens = _opens_sentence(text, match.start())
        if opens and name not in known_names and " " not in name:
            continue  # "Thanks", "Great": a capital that only opens a sentence
        if not opens:
            inside.add(name)
        named.add(name)
    for match in _MY.finditer(text):
        whose = match.group("whose").lower()
        owner = addressee if whose == "your" else speaker
        if owner:
            named.add(relation(owner, match.group("who")))
    for match in _NAMES.finditer(text):
        if match.group("whose").lower() not in _NOT_NAMES:
            named.add(relation(match.group("whose"), match.group("who")))
    return Mentions(frozenset(named), _REFERS_BACK.search(text) is not None, frozenset(inside))


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence (or a line): what precedes it, past spaces
    and quotes, is the start or a full stop."""
    position = start - 1
    while position >= 0 and text[position] in " \t\r\"'(*-":
        position -= 1
    return position < 0 or text[position] in ".!?:;\n"


def relation(owner: str, who: str) -> str:
    """The entity of `owner`'s `who` ("Anna", "mum" -> "anna's mother")."""
    return f"{owner.lower()}'s {_RELATIVES[who.lower()]}"


class TurnEntities:
    """The entities of each turn of a session, and the turns of each entity (postings).

    A turn holds what it names, and, when it refers back, what the turns before it in the same
    sitting named (`linked`). Speakers' own names are left out: the speaker reading handles them.
    """

    def __init__(self) -> None:
        self.named: list[frozenset[str]] = []
        self.linked: list[frozenset[str]] = []  # inherited from the turns it refers back to
        self.turns_of: dict[str, list[int]] = {}
        self.known_names: set[str] = set()
        self._speakers: list[tuple[str, float]] = []  # (who, when) of each turn

    def add(self, position: int, text: str, speaker: str, said_at: float, speaker_names: set[str]) -> None:
        found = mentions(text, speaker, self._addressee(speaker), self.known_names)
        self.known_names |= found.inside
        named = frozenset(name for name in found.named if name not in speaker_names) or _NONE
        linked = _NONE
        if found.refers_back:
            linked = (
                frozenset(
                    entity
                    for before in range(max(0, position - 2), position)
                    if said_at - self._speakers[before][1] <= SITTING_SECONDS
                    for entity in self.named[before]
                )
                - named
                or _NONE
            )
        self.named.append(named)
        self.linked.append(linked)
        self._speakers.append((speaker, said_at))
        for entity in named | linked:
            self.turns_of.setdefault(entity, []).append(position)

    def _addressee(self, speaker: str) -> str | None:
        """Who a turn by `speaker` speaks to: the last one who spoke before, if someone else."""
        for who, _ in reversed(self._speakers[-8:]):
            if who != speaker:
                return who
        return {"user": "assistant", "assistant": "user"}.get(speaker)


_NONE: frozenset[str] = frozenset()
