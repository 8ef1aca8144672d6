"""Hostile and odd files, built in memory: bombs, polyglots, truncated and disguised files."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image


def image(fmt: str, size: tuple[int, int] = (16, 16)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid PNG of 400 million 1-bit pixels that compresses to about 50 KB."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


def truncated_png() -> bytes:
    return image("PNG", (64, 64))[:60]


def pdf(objects: list[bytes]) -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _stream(raw: bytes) -> bytes:
    packed = zlib.compress(raw, 9)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def pdf_huge_page_count() -> bytes:
    return pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>", b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"])


def pdf_circular_pages() -> bytes:
    return pdf([CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def pdf_flate_bomb() -> bytes:
    """One page whose content stream inflates to 300 MB."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>"
    return pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, _stream(b" " * (300 * 1024 * 1024))])


def malformed_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage \x00\xff trailer << /Root 1 0 R >>"


def zip_of(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


def docx_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """Looks like a .docx (word/ entries) and inflates to 200 MB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            block = b"\x00" * (1 << 20)
            for _ in range(size >> 20):
                entry.write(block)
    return buf.getvalue()


def zip_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """A plain zip bomb (no word/ entries) named .docx."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.bin", "w", force_zip64=True) as entry:
            block = b"\x00" * (1 << 20)
            for _ in range(size >> 20):
                entry.write(block)
    return buf.getvalue()


def junk_docx() -> bytes:
    """A zip with the entry names of a .docx and junk inside."""
    return zip_of({"[Content_Types].xml": b"\x00junk", "word/document.xml": b"not xml at all <<<", "_rels/.rels": b"??"})


def polyglot_pdf_zip() -> bytes:
    """A PDF that is also a zip (the archive appended after %%EOF)."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"
    return pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]) + zip_of({"payload.exe": b"MZ" + b"\x00" * 100})


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
GZIP = zlib.compress(b"x" * 1000)[:0] + b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<!doctype html><html><body><script>fetch('/chat/history').then(r=>r.text()).then(alert)</script><p>hi</p></body></html>"
