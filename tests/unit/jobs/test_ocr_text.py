"""What is done to the recogniser's raw lines: reading order and word spacing."""

from __future__ import annotations

import pytest

from job_service.files.ocr import OcrLine, in_reading_order, mend_spacing


@pytest.mark.parametrize(
    ("raw", "mended"),
    [
        ("Invoice4711:totaldue1,128.50EUR", "Invoice 4711: total due 1,128.50 EUR"),
        ("Paybefore15March2026toaccount", "Pay before 15 March 2026 to account"),
        ("Volunteersarestillneededtohelpmovetheshelves.", "Volunteers are still needed to help move the shelves."),
        ("Ms.Thompson,Okafor,Office", "Ms. Thompson, Okafor, Office"),
        ("VAT(20%):35.80GBP", "VAT(20%): 35.80 GBP"),
    ],
)
def test_glued_words_are_split_again(raw: str, mended: str) -> None:
    assert mend_spacing(raw) == mended


@pytest.mark.parametrize(
    "kept",
    [
        "Kubernetes deployment",  # a name is not split into "ku berne tes"
        "Dominika Wisniewska",
        "getElementById",  # code keeps its camel case
        "c0de INV0ICE",  # a misread O is not a number to split at
        "write to harbourlane@example.org now",  # addresses stay whole
        "at 10:30 sharp",
        "e.g. 1,128.50 and a.txt",
        "information",
    ],
)
def test_what_is_already_right_is_left_alone(kept: str) -> None:
    assert mend_spacing(kept) == kept


def line(text: str, top: float, left: float, height: float) -> OcrLine:
    return OcrLine(text=text, score=0.9, top=top, left=left, height=height)


def test_lines_are_read_row_by_row_whatever_their_heights() -> None:
    # A tall box a little lower and a short box a little higher belong to the rows they
    # centre on; rounding top/height would have swapped them.
    boxes = [line("second row", 298, 10, 55), line("first row, right", 232, 400, 30), line("first row", 235, 10, 37)]
    assert [b.text for b in in_reading_order(boxes)] == ["first row", "first row, right", "second row"]
