"""What a reader gives back, and how it reports progress and failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# done, total (0 when unknown), and a sentence for the user: "reading page 3 of 12".
Progress = Callable[[int, int, str], None]


class UnreadableFile(ValueError):
    """The file cannot be read: the message says why, for the user."""


@dataclass
class Extracted:
    text: str
    # What the user and the model should know about how it was read: limits hit, OCR used.
    notes: list[str] = field(default_factory=list)
    # Pages (or images) whose text came from OCR.
    ocr_pages: int = 0
    # For pictures: format, size and mode.
    description: str = ""


def no_progress(done: int, total: int, text: str) -> None:
    """A Progress that reports nowhere."""
