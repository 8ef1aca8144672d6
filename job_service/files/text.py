"""Plain text and HTML."""

from __future__ import annotations

from pathlib import Path

from chat_common.file_limits import FileLimits
from job_service.files.extracted import Extracted, Progress


def read_text(path: Path, limits: FileLimits, progress: Progress) -> Extracted:
    return Extracted(text=_decode(path, limits))


def read_html(path: Path, limits: FileLimits, progress: Progress) -> Extracted:
    """The page as a reader sees it: no scripts, styles or markup; tables stay tables.
    Nothing it links to (images, stylesheets, frames) is ever fetched."""
    from inscriptis import get_text
    from inscriptis.model.config import ParserConfig

    progress(0, 0, "reading the page")
    # Read a bounded amount of markup: the text of a page is a small part of its bytes.
    markup = _decode(path, limits, factor=20)
    text = get_text(markup, ParserConfig(display_links=False, display_images=False, table_cell_separator=" | "))
    lines = [line.rstrip() for line in text.splitlines()]
    return Extracted(text="\n".join(_squeeze_blank(lines)).strip() or "(the page has no text)")


def _decode(path: Path, limits: FileLimits, factor: int = 4) -> str:
    # Up to 4 bytes a character in UTF-8: this reads enough for max_chars, and no more.
    with path.open("rb") as handle:
        data = handle.read(limits.max_chars * factor + 1)
    return data.decode("utf-8", errors="replace")


def _squeeze_blank(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out
