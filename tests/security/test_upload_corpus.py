"""An upload attack corpus: every file or name with its expected answer.

The content decides the type, never the name: a real PNG named .txt is accepted as a PNG,
a text file named .pdf is refused. HTML is accepted as text (it is never served back or
executed); SVG is not an allowed type. Every accepted upload becomes a job that ends DONE or
ERROR with a clear message, polled through GET /messages/{id}.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

import httpx
import pytest

from tests.security import files
from tests.security.helpers import assert_error, upload, wait_done

MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    id: str
    name: bytes | str
    content: bytes
    status: int
    message: str = ""  # in the error (rejections) or the job's error (accepted, ending in error)
    media_type: str = ""  # accepted: the detected type
    shown_name: str = ""  # accepted: the sanitised name shown back
    final: str = "done"  # accepted: how the job ends
    bug: str = ""  # a known defect elsewhere that makes this case fail today


CASES = [
    # Disguised executables and archives: the content says what they are.
    Case("exe-as-txt", "notes.txt", files.EXE, 415, "exe is not supported"),
    Case("elf-as-py", "script.py", files.ELF, 415, "elf is not supported"),
    Case("zip", "archive.zip", files.zip_of({"a.txt": b"hello"}), 415, "zip is not supported"),
    Case("zip-as-txt", "notes.txt", files.zip_of({"a.txt": b"hello"}), 415, "zip is not supported"),
    Case("gzip-as-txt", "notes.txt", files.GZIP, 415, "gz is not supported"),
    Case("zip-bomb-as-docx", "report.docx", files.zip_bomb(), 415, "zip is not supported"),
    Case("text-as-exe", "report.txt.exe", b"plain words", 415, "not supported"),
    # Markup: HTML is allowed text (never served or run); SVG is not an allowed type.
    Case("svg", "logo.svg", files.SVG, 415, "not supported"),
    Case("html-with-script", "page.html", files.HTML, 202, media_type="text/html", shown_name="page.html"),
    # Content decides: real images with the wrong name are accepted as what they are.
    Case("png-as-txt", "photo.txt", files.image("PNG"), 202, media_type="image/png", shown_name="photo.txt"),
    Case("jpeg-as-png", "photo.png", files.image("JPEG"), 202, media_type="image/jpeg", shown_name="photo.png"),
    Case("gif", "anim.gif", files.image("GIF"), 202, media_type="image/gif", shown_name="anim.gif"),
    Case("webp", "pic.webp", files.image("WEBP"), 202, media_type="image/webp", shown_name="pic.webp"),
    # Fakes and broken files.
    Case("fake-pdf", "paper.pdf", b"just some text pretending to be a PDF", 415, "does not match"),
    Case("fake-docx", "paper.docx", b"just some text pretending to be a document", 415, "does not match"),
    Case("truncated-png", "cut.png", files.truncated_png(), 202, media_type="image/png", shown_name="cut.png"),
    Case(
        "malformed-pdf", "broken.pdf", files.malformed_pdf(), 202, "could not be read", "application/pdf", "broken.pdf", "error"
    ),
    Case(
        "junk-docx",
        "junk.docx",
        files.junk_docx(),
        202,
        "could not be read",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "junk.docx",
        "error",
    ),
    Case("polyglot-pdf-zip", "poly.pdf", files.polyglot_pdf_zip(), 202, media_type="application/pdf", shown_name="poly.pdf"),
    # Bombs end in a clear error, not a crash or a hang.
    Case("png-decompression-bomb", "huge.png", files.png_bomb(), 202, "too large", "image/png", "huge.png", "error"),
    Case(
        "docx-zip-bomb",
        "bomb.docx",
        files.docx_bomb(),
        202,
        "more than 100 MB",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "bomb.docx",
        "error",
    ),
    Case(
        "pdf-huge-page-count", "pages.pdf", files.pdf_huge_page_count(), 202, media_type="application/pdf", shown_name="pages.pdf"
    ),
    Case(
        "pdf-circular-pages",
        "loop.pdf",
        files.pdf_circular_pages(),
        202,
        "could not be read",
        "application/pdf",
        "loop.pdf",
        "error",
    ),
    Case("pdf-flate-bomb", "inflate.pdf", files.pdf_flate_bomb(), 202, media_type="application/pdf", shown_name="inflate.pdf"),
    # Spreadsheets, slides and pages: bombs, macros, entities and junk.
    Case("xlsx-zip-bomb", "bomb.xlsx", files.xlsx_bomb(), 202, "more than 100 MB", files.XLSX_TYPE, "bomb.xlsx", "error"),
    Case("pptx-zip-bomb", "bomb.pptx", files.pptx_bomb(), 202, "more than 100 MB", files.PPTX_TYPE, "bomb.pptx", "error"),
    Case("junk-xlsx", "junk.xlsx", files.junk_xlsx(), 202, "could not be read", files.XLSX_TYPE, "junk.xlsx", "error"),
    Case("junk-pptx", "junk.pptx", files.junk_pptx(), 202, "could not be read", files.PPTX_TYPE, "junk.pptx", "error"),
    Case("xlsm-macro", "totals.xlsx", files.xlsm_with_macro(), 202, media_type=files.XLSX_TYPE, shown_name="totals.xlsx"),
    Case("xlsx-xxe", "xxe.xlsx", files.xlsx_xxe(), 202, "could not be read", files.XLSX_TYPE, "xxe.xlsx", "error"),
    Case("fake-xlsx", "sheet.xlsx", b"name,qty\nwidget,3\n", 415, "does not match"),
    Case("html-deeply-nested", "deep.html", files.html_deeply_nested(), 202, media_type="text/html", shown_name="deep.html"),
    # Sizes and encodings.
    Case("empty", "empty.txt", b"", 400, "empty"),
    Case("one-byte", "one.txt", b"a", 202, media_type="text/plain", shown_name="one.txt"),
    Case("oversize", "big.txt", b"a" * (10 * MB + 1), 413, "too large"),
    Case("utf16", "wide.txt", "hello in UTF-16".encode("utf-16"), 415, "utf-8"),
    Case("nul-in-text", "nul.txt", b"abc\x00def", 415, "not utf-8 text"),
    Case("latin1-text", "latin.txt", b"caf\xe9 au lait, s'il vous pla\xeet", 415, "not utf-8 text"),
    Case("utf8-bom", "bom.txt", b"\xef\xbb\xbfhello", 202, media_type="text/plain", shown_name="bom.txt"),
    # Hostile names: shown sanitised, stored under a random name.
    Case("traversal", "../../etc/passwd.txt", b"root:x:0:0", 202, media_type="text/plain", shown_name="passwd.txt"),
    Case("windows-traversal", "..\\..\\Windows\\win.ini.txt", b"[fonts]", 202, media_type="text/plain", shown_name="win.ini.txt"),
    Case("absolute", "/etc/shadow.txt", b"nope", 202, media_type="text/plain", shown_name="shadow.txt"),
    Case("nul-in-name", b"evil\x00.exe.txt", b"text", 202, media_type="text/plain", shown_name="evil.exe.txt"),
    Case("control-chars", b"\x1b[31mred\x07\x08.txt", b"text", 202, media_type="text/plain", shown_name="[31mred.txt"),
    Case(
        "rtl-override",
        "harmless\u202etxt.exe".encode() + b".txt",
        b"text",
        202,
        media_type="text/plain",
        shown_name="harmlesstxt.exe.txt",
    ),
    Case("dots-only", "...", b"text", 415, "not supported"),
    Case("very-long-name", "a" * 5000 + ".txt", b"text", 202, media_type="text/plain", shown_name="a" * 190 + ".txt"),
    Case(
        "long-unicode-name",
        "\u00e9" * 5000 + ".md",
        b"# title",
        202,
        media_type="text/markdown",
        shown_name="\u00e9" * 190 + ".md",
    ),
]


PARAMS = [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else []) for c in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_upload_corpus(client: httpx.Client, case: Case) -> None:
    response = upload(client, case.name, case.content)
    if case.status != 202:
        assert_error(response, case.status, case.message)
        return
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["job"]["file"]["media_type"] == case.media_type
    assert accepted["job"]["file"]["name"] == case.shown_name
    assert accepted["job"]["file"]["size_bytes"] == len(case.content)
    # Every file here is small: 20 s is ample for DONE or ERROR (the job deadline is far longer).
    job = wait_done(client, accepted["job_id"], timeout=8 if case.bug else 20)
    assert job["status"] == case.final, job
    if case.final == "error":
        assert case.message.lower() in job["error"].lower(), job["error"]
        assert job["error"].startswith("The file could not be analysed")
    else:
        assert job["error"] is None and job["result"]["reply"]


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 20
    assert {c.status for c in CASES} >= {202, 400, 413, 415}


class ConnectionCounter:
    """A TCP listener on 127.0.0.1 that counts who connects: nothing should."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


def test_external_references_in_uploads_are_never_fetched(client: httpx.Client) -> None:
    listener = ConnectionCounter()
    try:
        uploads = [
            ("linked.xlsx", files.xlsx_external_link(listener.url)),
            ("linked.pptx", files.pptx_linked_image(listener.url)),
            ("linked.html", files.html_with_links(listener.url)),
        ]
        jobs = []
        for name, content in uploads:
            response = upload(client, name, content)
            assert response.status_code == 202, response.text
            jobs.append(response.json()["job_id"])
        for job_id in jobs:
            job = wait_done(client, job_id, timeout=30)
            assert job["status"] == "done", job
    finally:
        listener.close()
    assert listener.connections == 0, "a reader followed a link in an upload"
