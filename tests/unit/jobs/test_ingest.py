"""What the worker makes of each kind of upload: text, HTML, PDF (scanned too), DOCX, XLSX,
PPTX, images, and hostile files. Every file is read by the real sandboxed reader process."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation

from bench.ocr import born_digital_pdf
from chat_common import pb
from chat_common.file_limits import FileLimits
from job_service.files.extracted import UnreadableFile
from job_service.files.ingest import Ingested, ingest_file, ingest_message
from job_service.files.pool import FileReaders

MAX_CHARS = FileLimits().max_chars
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_with_text(lines: list[str]) -> bytes:
    """A minimal, valid one-page PDF with a text layer that draws `lines`."""
    return born_digital_pdf([lines])


def file_job(tmp_path: Path, name: str, data: bytes, media_type: str) -> pb.jobs.Job:
    key = "ab" * 16
    (tmp_path / key).write_bytes(data)
    return pb.jobs.Job(
        id="j1",
        kind=pb.common.JOB_KIND_FILE,
        file=pb.jobs.FileRef(name=name, media_type=media_type, size_bytes=len(data), storage_key=key),
    )


def ingest_reporting(job: pb.jobs.Job, upload_dir: str, readers: FileReaders | None = None) -> tuple[Ingested, list[str]]:
    """Reads the job's file as the worker does; also the progress texts it reported."""
    seen: list[str] = []

    async def progress(done: int, total: int, text: str) -> None:
        seen.append(text)

    source = asyncio.run(ingest_file(job, upload_dir, readers or FileReaders(2, 60, 60, 3072), progress))
    return source, seen


def ingest(job: pb.jobs.Job, upload_dir: str) -> Ingested:
    return ingest_reporting(job, upload_dir)[0]


def test_a_message_is_its_own_text() -> None:
    source = ingest_message(pb.jobs.Job(kind=pb.common.JOB_KIND_MESSAGE, text="hi there"))
    assert source.prompt == source.turn_text == "hi there" and not source.attachments


def test_text_file_is_read_and_asked_for_a_summary_and_key_points(tmp_path: Path) -> None:
    source = ingest(file_job(tmp_path, "notes.md", b"# Plan\n- ship on Friday\n", "text/markdown"), str(tmp_path))
    assert "ship on Friday" in source.prompt and "key points" in source.prompt
    assert source.turn_text.startswith("[Uploaded file notes.md")
    assert "ship on Friday" in source.turn_text, "later questions can refer to the file"


def test_long_text_is_truncated_and_says_so(tmp_path: Path) -> None:
    source = ingest(file_job(tmp_path, "big.txt", b"a" * (MAX_CHARS * 2), "text/plain"), str(tmp_path))
    assert f"cut at {MAX_CHARS:,} characters" in source.turn_text
    assert len(source.turn_text) < MAX_CHARS + 200


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    data = pdf_with_text(["Invoice 2041", "Total due 315 EUR"])
    source = ingest(file_job(tmp_path, "invoice.pdf", data, "application/pdf"), str(tmp_path))
    assert "Invoice 2041" in source.turn_text and "315 EUR" in source.turn_text


def test_docx_text_is_extracted(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Project Falcon kickoff")
    document.add_paragraph("Decision: use Redis Streams")
    buffer = io.BytesIO()
    document.save(buffer)
    source = ingest(file_job(tmp_path, "minutes.docx", buffer.getvalue(), DOCX), str(tmp_path))
    assert "Project Falcon kickoff" in source.turn_text and "Redis Streams" in source.turn_text


def test_image_becomes_an_attachment_with_a_metadata_description(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), "teal").save(buffer, format="PNG")
    source = ingest(file_job(tmp_path, "chart.png", buffer.getvalue(), "image/png"), str(tmp_path))
    assert [a.media_type for a in source.attachments] == ["image/png"], "a multimodal provider still gets the image"
    assert source.attachments[0].data == buffer.getvalue()
    assert "PNG image, 320x200 pixels" in source.turn_text
    assert "OCR found no text" in source.turn_text, "an image without text is described honestly"
    assert "multimodal" in source.prompt, "offline providers say visual analysis needs a multimodal one"


def test_decompression_bomb_image_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG")  # 144 Mpx in a few kB
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(UnreadableFile, match="too large"):
        ingest(file_job(tmp_path, "bomb.png", buffer.getvalue(), "image/png"), str(tmp_path))


def test_zip_bomb_docx_is_refused_before_inflating(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (120 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(UnreadableFile, match="100 MB"):
        ingest(file_job(tmp_path, "bomb.docx", buffer.getvalue(), DOCX), str(tmp_path))


def test_broken_pdf_is_a_clear_error(tmp_path: Path) -> None:
    data = b"%PDF-1.4\n" + b"garbage" * 100
    with pytest.raises(UnreadableFile):
        ingest(file_job(tmp_path, "broken.pdf", data, "application/pdf"), str(tmp_path))


def test_a_missing_file_or_forged_key_is_a_clear_error(tmp_path: Path) -> None:
    job = pb.jobs.Job(kind=pb.common.JOB_KIND_FILE, file=pb.jobs.FileRef(name="x.txt", storage_key="cd" * 16))
    with pytest.raises(UnreadableFile, match="no longer available"):
        ingest(job, str(tmp_path))
    forged = pb.jobs.Job(kind=pb.common.JOB_KIND_FILE, file=pb.jobs.FileRef(name="x.txt", storage_key="../../etc/passwd"))
    with pytest.raises(UnreadableFile, match="invalid storage key"):
        ingest(forged, str(tmp_path))


# --- OCR, limits and the newer formats -------------------------------------------------------

INVOICE = ["Invoice 4711: total due 1,128.50 EUR", "Pay before 15 March 2026"]


def text_picture(lines: list[str], size: tuple[int, int] = (900, 200), font_px: int = 30) -> Image.Image:
    picture = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=font_px)
    for number, line in enumerate(lines):
        draw.text((30, 30 + number * font_px * 2), line, fill="black", font=font)
    return picture


def png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """A PDF of page pictures: no text layer, as a scanner makes it."""
    pictures = [text_picture(lines, size=(1240, 1754), font_px=36) for lines in pages]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="PDF", save_all=True, append_images=pictures[1:], resolution=150)
    return buffer.getvalue()


def joined_pdf(*parts: bytes) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for part in parts:
        document.import_pages(pdfium.PdfDocument(part))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_text_in_an_image_is_read_by_ocr_and_given_with_its_metadata(tmp_path: Path) -> None:
    data = png(text_picture(INVOICE))
    source, progress = ingest_reporting(file_job(tmp_path, "invoice.png", data, "image/png"), str(tmp_path))
    assert "PNG image, 900x200 pixels" in source.turn_text
    assert "Invoice 4711: total due 1,128.50 EUR" in source.turn_text, source.turn_text
    assert "15 March 2026" in source.prompt
    assert source.attachments[0].data == data, "a multimodal provider still gets the image itself"
    assert progress == ["reading text in the image"]


def test_a_scanned_pdf_is_read_page_by_page_by_ocr(tmp_path: Path) -> None:
    data = scanned_pdf([["Quarterly report: revenue 4,200 EUR"], ["Signed by Maria Lopez"]])
    source, progress = ingest_reporting(file_job(tmp_path, "scan.pdf", data, "application/pdf"), str(tmp_path))
    assert "revenue 4,200 EUR" in source.turn_text and "Maria Lopez" in source.turn_text, source.turn_text
    assert "2 scanned pages read by OCR" in source.turn_text
    assert progress == ["reading page 1 of 2", "reading page 1 of 2 by OCR", "reading page 2 of 2", "reading page 2 of 2 by OCR"]


def test_a_mixed_pdf_keeps_its_text_pages_and_reads_only_the_scanned_ones(tmp_path: Path) -> None:
    data = joined_pdf(
        pdf_with_text(["Born digital page about the Falcon project budget"]), scanned_pdf([["Scanned receipt 77.40 EUR"]])
    )
    source, progress = ingest_reporting(file_job(tmp_path, "mixed.pdf", data, "application/pdf"), str(tmp_path))
    assert "Falcon project budget" in source.turn_text and "77.40 EUR" in source.turn_text, source.turn_text
    assert "1 scanned page read by OCR" in source.turn_text
    assert "reading page 1 of 2 by OCR" not in progress and "reading page 2 of 2 by OCR" in progress


def test_pdf_page_and_ocr_limits_are_kept_and_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILE_MAX_PAGES", "2")
    monkeypatch.setenv("FILE_MAX_OCR_PAGES", "1")
    data = scanned_pdf([["Page one says alpha"], ["Page two says beta"], ["Page three says gamma"]])
    source, _ = ingest_reporting(file_job(tmp_path, "long.pdf", data, "application/pdf"), str(tmp_path))
    assert "alpha" in source.turn_text and "beta" not in source.turn_text and "gamma" not in source.turn_text
    assert "1 more scanned pages not read (the OCR limit is 1 pages)" in source.turn_text
    assert "read the first 2 of 3 pages (the page limit)" in source.turn_text


def test_xlsx_sheets_become_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILE_MAX_ROWS", "3")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orders"
    for row in [("Item", "Qty", "Price"), ("Widget", 3, 9.5), ("Gadget", 1, 120), ("Gizmo", 2, 4), ("Doohickey", 9, 1)]:
        sheet.append(row)
    book.create_sheet("Notes")["A1"] = "Ship by Friday"
    buffer = io.BytesIO()
    book.save(buffer)
    job = file_job(
        tmp_path, "orders.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    source, progress = ingest_reporting(job, str(tmp_path))
    assert "## Sheet: Orders\n| Item | Qty | Price |\n| Widget | 3 | 9.5 |" in source.turn_text, source.turn_text
    assert "Doohickey" not in source.turn_text and "only the first 3 rows were read" in source.turn_text
    assert "## Sheet: Notes\n| Ship by Friday |" in source.turn_text
    assert progress == ["reading sheet 1 of 2", "reading sheet 2 of 2"]


def test_pptx_slide_text_and_speaker_notes_are_read(tmp_path: Path) -> None:
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Roadmap 2027"
    slide.placeholders[1].text = "Launch the mobile app in May"
    slide.notes_slide.notes_text_frame.text = "Mention the beta testers"
    buffer = io.BytesIO()
    deck.save(buffer)
    job = file_job(
        tmp_path, "deck.pptx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    )
    source, progress = ingest_reporting(job, str(tmp_path))
    assert "## Slide 1\nRoadmap 2027\nLaunch the mobile app in May\nSpeaker notes: Mention the beta testers" in source.turn_text
    assert progress == ["reading slide 1 of 1"]


def test_html_is_reduced_to_readable_text(tmp_path: Path) -> None:
    page = (
        b"<!doctype html><html><head><title>t</title><style>p{color:red}</style>"
        b"<script>document.write('tracking code')</script></head><body><h1>Release notes</h1>"
        b"<p>Version <b>2.1</b> fixes login.</p><table><tr><td>CPU</td><td>2 cores</td></tr></table></body></html>"
    )
    source = ingest(file_job(tmp_path, "notes.html", page, "text/html"), str(tmp_path))
    assert "Release notes" in source.turn_text and "Version 2.1 fixes login." in source.turn_text
    assert "CPU | 2 cores" in source.turn_text
    assert "tracking code" not in source.turn_text and "color:red" not in source.turn_text and "<p>" not in source.turn_text


def test_a_reader_over_its_cpu_limit_is_stopped_with_a_clear_error(tmp_path: Path) -> None:
    data = scanned_pdf([["one"], ["two"], ["three"], ["four"]])
    with pytest.raises(UnreadableFile, match="more processing time than is allowed"):
        ingest_reporting(file_job(tmp_path, "heavy.pdf", data, "application/pdf"), str(tmp_path), FileReaders(1, 60, 1, 3072))


def test_a_reader_over_its_time_limit_is_killed_with_a_clear_error(tmp_path: Path) -> None:
    data = scanned_pdf([["one"], ["two"], ["three"], ["four"]])
    with pytest.raises(UnreadableFile, match="took longer than 1 seconds"):
        ingest_reporting(file_job(tmp_path, "slow.pdf", data, "application/pdf"), str(tmp_path), FileReaders(1, 1, 60, 3072))


def test_reading_never_blocks_the_event_loop_and_the_pool_is_bounded(tmp_path: Path) -> None:
    first = file_job(tmp_path, "a.pdf", scanned_pdf([["first file"]]), "application/pdf")
    second = pb.jobs.Job(id="j2", kind=pb.common.JOB_KIND_FILE, file=pb.jobs.FileRef(name="b.pdf", storage_key="cd" * 16))
    (tmp_path / ("cd" * 16)).write_bytes(scanned_pdf([["second file"]]))
    readers = FileReaders(1, 60, 60, 3072)
    seen: dict[str, list[str]] = {"a": [], "b": []}

    def reporter(name: str):
        async def progress(done: int, total: int, text: str) -> None:
            seen[name].append(text)

        return progress

    async def scenario() -> float:
        async def ticker() -> float:
            worst, last = 0.0, asyncio.get_running_loop().time()
            while True:
                try:
                    await asyncio.sleep(0.02)
                except asyncio.CancelledError:
                    return worst
                now = asyncio.get_running_loop().time()
                worst, last = max(worst, now - last), now

        ticks = asyncio.create_task(ticker())
        a = asyncio.create_task(ingest_file(first, str(tmp_path), readers, reporter("a")))
        await asyncio.sleep(0.05)
        b = asyncio.create_task(ingest_file(second, str(tmp_path), readers, reporter("b")))
        results = await asyncio.gather(a, b)
        ticks.cancel()
        assert "first file" in results[0].turn_text and "second file" in results[1].turn_text
        return await ticks

    worst_gap = asyncio.run(scenario())
    assert worst_gap < 0.25, f"the event loop stalled for {worst_gap:.2f} s while files were read"
    assert seen["b"][0] == "waiting for a free reader", seen["b"]
