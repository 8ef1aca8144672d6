"""Text in pictures, read offline by RapidOCR (PP-OCRv4 on ONNX Runtime).

`rapidocr-onnxruntime` 1.4.4 ships its detection, angle and recognition models inside the
wheel; later `rapidocr` releases download them at run time, so the pin is deliberate.

Two habits of its recogniser (trained mostly on Chinese) are mended here:
- small text loses the spaces between words: lines shorter than ~40 px are read again from
  the picture scaled up so that a line is about 48 px tall, the recogniser's own input height;
- what stays glued ("totaldue") is split back into English words where a word list is sure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image


# The recogniser reads lines resized to 48 px high; below ~40 px it drops spaces (bench.ocr).
SMALL_LINE_PX = 40
TARGET_LINE_PX = 48
# Scaling up is capped: a picture of tiny text must not become a huge one.
MAX_UPSCALE = 4.0
MAX_UPSCALED_PIXELS = 12_000_000
# Runs of letters at least this long are candidates for word splitting.
GLUED_MIN_LETTERS = 6
# A split is trusted only if every piece is a common word; short pieces must be very common
# ("the", "to"), or names such as "Kubernetes" would become "ku berne tes". The most a
# piece's rank in the word list (1 = most frequent) may be, by its length in letters.
MAX_RANK_BY_LENGTH = {1: 50, 2: 500, 3: 3_000, 4: 20_000}
MAX_RANK_LONGER = 60_000
# Only lower-case or capitalised runs are split: "getElementById" is code, not glued words.
_SPLITTABLE = re.compile(r"[A-Z]?[a-z]+")
_LETTERS = re.compile(r"[A-Za-z]+")
# Between a number (two digits or more: "c0de" is a misread word) and a word.
_DIGIT_LETTER = re.compile(r"(?<=\d\d)(?=[A-Za-z]{2,})|(?<=[A-Za-z]{2})(?=\d(?:\d|[.,]\d))")
# After a colon or semicolon (not a time: "10:30"), a comma between words, and a full stop
# before a capital ("Ms.Thompson", not "e.g." or "a.txt").
_AFTER_PUNCTUATION = re.compile(
    r"(?<=[A-Za-z)%][:;])(?=[A-Za-z0-9])|(?<=\d[:;])(?=[A-Za-z])|(?<=[A-Za-z]{2},)(?=[A-Za-z])|(?<=[A-Za-z][a-z]\.)(?=[A-Z][a-z])"
)
# Addresses are left as they are: "harbourlane@example.org" is one token.
_ADDRESS = re.compile(r"@|://|^www\.", re.I)


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    top: float  # y of the box's top edge, for reading order
    left: float
    height: float


@lru_cache(maxsize=1)
def _engine() -> Any:  # RapidOCR has no type hints
    from rapidocr_onnxruntime import RapidOCR

    # One thread each: the reader runs at low priority beside the services on few cores.
    # No angle classifier: it turns some long upright lines upside down, and their text is
    # then lost (bench.ocr); uploads are photos and scans the right way up.
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False)


def _detect(image: Image.Image) -> list[OcrLine]:
    import numpy as np

    result, _elapsed = _engine()(np.asarray(image.convert("RGB")))
    lines = []
    for box, text, score in result or []:
        # The box is a quadrilateral (top-left, top-right, bottom-right, bottom-left): on a
        # tilted line its upright bounds are far taller than the text, so use its left edge.
        (x0, y0), _, _, (x3, y3) = box[:4]
        height = math.hypot(x3 - x0, y3 - y0)
        middle = sum(point[1] for point in box) / 4
        left = min(point[0] for point in box)
        lines.append(OcrLine(text=text, score=float(score), top=middle - height / 2, left=left, height=height))
    return lines


def read_lines(image: Image.Image) -> list[OcrLine]:
    """The lines of text in `image`, top to bottom, left to right; empty when there is none."""
    lines = _detect(image)
    if not lines:
        return []
    heights = sorted(line.height for line in lines)
    median = heights[len(heights) // 2]
    if median < SMALL_LINE_PX:
        factor = min(MAX_UPSCALE, TARGET_LINE_PX / max(median, 1.0))
        factor = min(factor, (MAX_UPSCALED_PIXELS / (image.width * image.height)) ** 0.5)
        if factor > 1.2:
            from PIL import Image as PILImage

            bigger = image.resize((round(image.width * factor), round(image.height * factor)), PILImage.Resampling.LANCZOS)
            lines = _detect(bigger) or lines
    return in_reading_order(lines)


def in_reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Rows top to bottom (boxes whose vertical middles fall within one another's band share
    a row), each row left to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda line: line.top + line.height / 2):
        middle = line.top + line.height / 2
        row = rows[-1] if rows else None
        if row is not None and row[0].top <= middle <= row[0].top + row[0].height:
            row.append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda line: line.left)]


def read_text(image: Image.Image) -> str:
    """The text in `image`, one line of the picture a line, with word spacing mended."""
    return "\n".join(mend_spacing(line.text) for line in read_lines(image))


def mend_spacing(text: str) -> str:
    """Puts back spaces the recogniser dropped: between numbers and words, after a colon, and
    inside long runs of letters that split into known English words."""
    return " ".join(token if _ADDRESS.search(token) else _mend_token(token) for token in text.split(" "))


def _mend_token(token: str) -> str:
    token = _AFTER_PUNCTUATION.sub(" ", _DIGIT_LETTER.sub(" ", token))
    return _LETTERS.sub(lambda match: _split_glued(match.group()), token)


def _split_glued(run: str) -> str:
    if len(run) < GLUED_MIN_LETTERS or not _SPLITTABLE.fullmatch(run):
        return run
    model = _words()
    if _rank(model, run) is not None:
        return run  # a real word, however long
    words = model.split(run)
    if len(words) < 2 or "".join(words) != run or len(words[0]) == 1 or len(words[-1]) == 1:
        return run
    if not all(_common(model, word) for word in words):
        return run
    return " ".join(words)


def _common(model: Any, word: str) -> bool:
    rank = _rank(model, word)
    limit = MAX_RANK_BY_LENGTH.get(len(word), MAX_RANK_LONGER)
    return rank is not None and rank <= limit


def _rank(model: Any, word: str) -> int | None:
    # wordninja stores cost = log(rank * log(N)) per word.
    cost = model._wordcost.get(word.lower())
    return None if cost is None else round(math.exp(cost) / model._log_n)


@lru_cache(maxsize=1)
def _words() -> Any:  # wordninja has no type hints
    import wordninja

    model = wordninja.DEFAULT_LANGUAGE_MODEL
    model._log_n = math.log(len(model._wordcost))
    return model
