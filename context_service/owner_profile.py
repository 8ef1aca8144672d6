"""The owner's profile in a conversation's prompt: what they taught in other conversations or
set themselves, as one note before the turns, and the facts they deleted kept out."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from chat_common import pb
from chat_common.database import storable
from chat_common.errors import ErrorCode, InvalidArgument, NotFound
from context_service.db.profiles import OwnerFact, OwnerProfiles
from context_service.engine import SessionIndex

NOTE_HEADER = "What the user told you in other conversations, or set in their profile:"
KEY = re.compile(r"^[a-z][a-z_]{0,39}$")
MAX_VALUE_CHARS = 500


@dataclass
class OwnerNote:
    text: str  # "" when there is nothing to add
    hidden: frozenset[str]  # keys the conversation's own profile must not show


def note_for(facts: list[OwnerFact], index: SessionIndex) -> OwnerNote:
    """Facts learned elsewhere (not in this conversation) and the owner's own settings; the
    conversation's own value of an edited or deleted key is hidden."""
    own = index.profile.rendered()
    hidden = frozenset(f.key for f in facts if f.deleted or f.edited)
    lines = [f"{f.key}: {f.value}" for f in facts if not f.deleted and (f.edited or f.key not in own)]
    return OwnerNote("\n".join([NOTE_HEADER, *lines]) if lines else "", hidden)


def learned(index: SessionIndex) -> dict[str, tuple[str, float, str]]:
    """What the conversation's profile holds: key -> (value, confidence, source turn)."""
    return {key: (value, fact.confidence, fact.turn_id.split(":")[0]) for key, (value, fact) in index.profile.rendered().items()}


def fact_out(fact: OwnerFact) -> pb.context.ProfileFact:
    return pb.context.ProfileFact(
        key=fact.key,
        value=fact.value,
        confidence=fact.confidence,
        source_turn=fact.source_turn,
        updated_at_ms=fact.updated_ms,
        edited=fact.edited,
    )


def now_ms() -> int:
    return int(time.time() * 1000)


async def set_fact(profiles: OwnerProfiles, owner: str, key: str, value: str) -> pb.context.ProfileFact:
    if not KEY.match(key):
        raise InvalidArgument("a fact's key is 1-40 lower-case letters or '_', starting with a letter")
    value = " ".join(storable(value).split())
    if not value or len(value) > MAX_VALUE_CHARS:
        raise InvalidArgument(f"a fact's value is 1-{MAX_VALUE_CHARS} characters")
    return fact_out(await profiles.set(owner, key, value, now_ms()))


async def delete_fact(profiles: OwnerProfiles, owner: str, key: str) -> None:
    if not KEY.match(key) or not await profiles.delete(owner, key, now_ms()):
        raise NotFound(f"no fact {key[:40]!r} in the profile", ErrorCode.FACT_NOT_FOUND)
