"""PDF: each page's text layer, and OCR for pages that have none (scans, photos of paper)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chat_common.file_limits import FileLimits
from job_service.files import ocr
from job_service.files.extracted import Extracted, Progress, UnreadableFile

if TYPE_CHECKING:
    from pypdfium2 import PdfDocument, PdfPage

# Pages are rendered at up to 150 dpi (PDF units are 1/72 inch); fewer on huge pages.
RENDER_DPI = 150


def read_pdf(path: Path, limits: FileLimits, progress: Progress) -> Extracted:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"the PDF could not be read ({exc})") from exc
    try:
        return _read_pages(document, limits, progress)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"the PDF could not be read ({exc})") from exc
    finally:
        document.close()


def _read_pages(document: PdfDocument, limits: FileLimits, progress: Progress) -> Extracted:
    pages = len(document)
    readable = min(pages, limits.max_pages)
    parts: list[str] = []
    size = ocr_pages = unread_scans = 0
    last = 0
    for index in range(readable):
        last = index + 1
        progress(last, readable, f"reading page {last} of {readable}")
        page = document[index]
        try:
            text = _text_layer(page)
            if len(text.strip()) < limits.ocr_min_chars:
                if ocr_pages < limits.max_ocr_pages:
                    progress(last, readable, f"reading page {last} of {readable} by OCR")
                    text = _ocr_page(page, limits) or text
                    ocr_pages += 1
                else:
                    unread_scans += 1
        finally:
            page.close()
        if text.strip():
            parts.append(f"[page {last}]\n{text.strip()}" if pages > 1 else text.strip())
        size += len(text)
        if size > limits.max_chars:
            break
    notes = _notes(pages, readable, last, ocr_pages, unread_scans, limits)
    text = "\n\n".join(parts).strip()
    return Extracted(text=text or "(the PDF has no readable text)", notes=notes, ocr_pages=ocr_pages)


def _notes(pages: int, readable: int, last: int, ocr_pages: int, unread_scans: int, limits: FileLimits) -> list[str]:
    notes = []
    if ocr_pages:
        notes.append(f"{ocr_pages} scanned page{'s' if ocr_pages > 1 else ''} read by OCR")
    if unread_scans:
        notes.append(f"{unread_scans} more scanned pages not read (the OCR limit is {limits.max_ocr_pages} pages)")
    if last < readable:
        notes.append(f"read pages 1-{last} of {pages}: the text limit was reached")
    elif pages > readable:
        notes.append(f"read the first {readable} of {pages} pages (the page limit)")
    return notes


def _text_layer(page: PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        return str(textpage.get_text_bounded())
    finally:
        textpage.close()


def _ocr_page(page: PdfPage, limits: FileLimits) -> str:
    width, height = page.get_size()  # in points, 1/72 inch
    scale = RENDER_DPI / 72
    if width * height * scale * scale > limits.max_render_pixels:
        scale = (limits.max_render_pixels / max(width * height, 1.0)) ** 0.5
    bitmap = page.render(scale=scale)
    try:
        image = bitmap.to_pil()
        return ocr.read_text(image)
    finally:
        bitmap.close()
