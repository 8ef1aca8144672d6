"""Office Open XML documents: DOCX (paragraphs and tables), XLSX (sheets as tables) and
PPTX (slide text and speaker notes).

Each is a zip of XML parts, untrusted: the declared uncompressed size is checked before
anything is inflated (zip bombs); parsers never resolve entities or fetch what a part
links to (external references); macros (`vbaProject.bin`) are never run or read.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any  # openpyxl and python-pptx objects are untyped

from chat_common.file_limits import FileLimits
from job_service.files.extracted import Extracted, Progress, UnreadableFile

MACRO_PARTS = ("vbaProject.bin",)


def _open_archive(path: Path, limits: FileLimits, what: str) -> tuple[bytes, list[str]]:
    """The file's bytes, after the zip checks; and notes (macros found)."""
    data = path.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"the {what} is not a valid {what.upper()} file") from exc
    expanded = sum(info.file_size for info in infos)
    if expanded > limits.max_expanded_bytes:
        raise UnreadableFile(f"the {what} expands to more than {limits.max_expanded_bytes // (1024 * 1024)} MB")
    notes = []
    if any(info.filename.rsplit("/", 1)[-1] in MACRO_PARTS for info in infos):
        notes.append("the file contains macros; they were not run")
    return data, notes


def _parse_failure(what: str, exc: Exception) -> UnreadableFile:
    return UnreadableFile(f"the {what} could not be read ({type(exc).__name__})")


def read_docx(path: Path, limits: FileLimits, progress: Progress) -> Extracted:
    from docx import Document

    data, notes = _open_archive(path, limits, "docx")
    progress(0, 0, "reading the document")
    try:
        document = Document(io.BytesIO(data))
        blocks = [p.text for p in document.paragraphs]
        for table in document.tables:
            blocks.extend(" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows)
    except Exception as exc:
        raise _parse_failure("document", exc) from exc
    return Extracted(text="\n".join(blocks).strip() or "(the document has no text)", notes=notes)


def read_xlsx(path: Path, limits: FileLimits, progress: Progress) -> Extracted:
    import openpyxl

    data, notes = _open_archive(path, limits, "xlsx")
    try:
        # data_only: the cached values, never formulas evaluated here; no links followed.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise _parse_failure("spreadsheet", exc) from exc
    try:
        sheets = book.worksheets
        readable = sheets[: limits.max_pages]
        parts = []
        size = 0
        for number, sheet in enumerate(readable, start=1):
            progress(number, len(readable), f"reading sheet {number} of {len(readable)}")
            table, cut = _sheet_table(sheet, limits.max_rows)
            parts.append(f"## Sheet: {sheet.title}\n{table or '(empty)'}")
            if cut:
                notes.append(f"sheet {sheet.title!r}: only the first {limits.max_rows} rows were read")
            size += len(table)
            if size > limits.max_chars:
                break
        if len(sheets) > len(readable):
            notes.append(f"read the first {len(readable)} of {len(sheets)} sheets")
    except Exception as exc:
        raise _parse_failure("spreadsheet", exc) from exc
    finally:
        book.close()
    return Extracted(text="\n\n".join(parts), notes=notes)


def _sheet_table(sheet: Any, max_rows: int) -> tuple[str, bool]:
    """The sheet's used rows as a pipe table (blank rows and trailing blank cells dropped)."""
    rows: list[str] = []
    for values in sheet.iter_rows(values_only=True):
        cells = ["" if value is None else str(value).replace("|", "/").replace("\n", " ") for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(rows) == max_rows:
            return "\n".join(rows), True
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows), False


def read_pptx(path: Path, limits: FileLimits, progress: Progress) -> Extracted:
    from pptx import Presentation

    data, notes = _open_archive(path, limits, "pptx")
    try:
        presentation = Presentation(io.BytesIO(data))
        slides = list(presentation.slides)
        readable = slides[: limits.max_pages]
        parts = []
        for number, slide in enumerate(readable, start=1):
            progress(number, len(readable), f"reading slide {number} of {len(readable)}")
            parts.append(f"## Slide {number}\n" + _slide_text(slide))
    except Exception as exc:
        raise _parse_failure("presentation", exc) from exc
    if len(slides) > len(readable):
        notes.append(f"read the first {len(readable)} of {len(slides)} slides")
    return Extracted(text="\n\n".join(parts).strip() or "(the presentation has no text)", notes=notes)


def _slide_text(slide: Any) -> str:
    lines: list[str] = []
    for shape in slide.shapes:
        if shape.has_text_frame and shape.text_frame.text.strip():
            lines.append(shape.text_frame.text.strip())
        elif getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame.text.strip() if slide.notes_slide.notes_text_frame else ""
        if notes:
            lines.append(f"Speaker notes: {notes}")
    return "\n".join(lines) or "(no text)"
