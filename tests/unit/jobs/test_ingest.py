"""What the worker makes of each kind of upload: text, PDF, DOCX, images, and hostile files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from PIL import Image

from chat_common import pb
from job_service.ingest import MAX_CHARS, UnreadableFile, ingest


def pdf_with_text(lines: list[str]) -> bytes:
    """A minimal, valid one-page PDF whose content stream draws `lines`."""
    text_ops = "".join(f"BT /F1 12 Tf 72 {720 - 16 * i} Td ({line}) Tj ET\n" for i, line in enumerate(lines))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text_ops)} >>\nstream\n{text_ops}endstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def file_job(tmp_path: Path, name: str, data: bytes, media_type: str) -> pb.jobs.Job:
    key = "ab" * 16
    (tmp_path / key).write_bytes(data)
    return pb.jobs.Job(
        id="j1", kind=pb.common.JOB_KIND_FILE,
        file=pb.jobs.FileRef(name=name, media_type=media_type, size_bytes=len(data), storage_key=key),
    )


def test_a_message_is_its_own_text() -> None:
    source = ingest(pb.jobs.Job(kind=pb.common.JOB_KIND_MESSAGE, text="hi there"), "/nonexistent")
    assert source.prompt == source.turn_text == "hi there" and not source.attachments


def test_text_file_is_read_and_asked_for_a_summary_and_key_points(tmp_path: Path) -> None:
    source = ingest(file_job(tmp_path, "notes.md", b"# Plan\n- ship on Friday\n", "text/markdown"), str(tmp_path))
    assert "ship on Friday" in source.prompt and "key points" in source.prompt
    assert source.turn_text.startswith("[Uploaded file notes.md")
    assert "ship on Friday" in source.turn_text, "later questions can refer to the file"


def test_long_text_is_truncated_and_says_so(tmp_path: Path) -> None:
    source = ingest(file_job(tmp_path, "big.txt", b"a" * (MAX_CHARS * 2), "text/plain"), str(tmp_path))
    assert "(truncated)" in source.turn_text
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
    source = ingest(file_job(tmp_path, "minutes.docx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), str(tmp_path))
    assert "Project Falcon kickoff" in source.turn_text and "Redis Streams" in source.turn_text


def test_image_becomes_an_attachment_with_a_metadata_description(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), "teal").save(buffer, format="PNG")
    source = ingest(file_job(tmp_path, "chart.png", buffer.getvalue(), "image/png"), str(tmp_path))
    assert [a.media_type for a in source.attachments] == ["image/png"]
    assert source.attachments[0].data == buffer.getvalue()
    assert "PNG image, 320x200 pixels" in source.turn_text
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
        ingest(file_job(tmp_path, "bomb.docx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), str(tmp_path))


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
