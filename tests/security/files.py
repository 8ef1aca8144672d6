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
    return pdf(
        [CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>", b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"]
    )


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


# --- Office Open XML and HTML: bombs, macros, external references, entities, junk ---------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _office_bomb(part: str, size: int = 200 * 1024 * 1024) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(part, "w", force_zip64=True) as entry:
            block = b"\x00" * (1 << 20)
            for _ in range(size >> 20):
                entry.write(block)
    return buf.getvalue()


def xlsx_bomb() -> bytes:
    return _office_bomb("xl/workbook.xml")


def pptx_bomb() -> bytes:
    return _office_bomb("ppt/presentation.xml")


def junk_xlsx() -> bytes:
    return zip_of({"[Content_Types].xml": b"\x00junk", "xl/workbook.xml": b"not xml <<<", "_rels/.rels": b"??"})


def junk_pptx() -> bytes:
    return zip_of({"[Content_Types].xml": b"\x00junk", "ppt/presentation.xml": b"not xml <<<", "_rels/.rels": b"??"})


def workbook(cells: dict[str, object]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for ref, value in cells.items():
        book.active[ref] = value
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def rezip(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The same zip with some entries replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in changes:
                target.writestr(info, source.read(info))
        for name, body in changes.items():
            target.writestr(name, body)
    return out.getvalue()


def xlsm_with_macro() -> bytes:
    """A workbook carrying a VBA project (an auto-run macro in a real attack)."""
    return rezip(workbook({"A1": "Quarterly totals", "B1": 42}), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 512})


def xlsx_external_link(url: str) -> bytes:
    """A workbook that links to another workbook at `url` (Excel would offer to fetch it)."""
    data = workbook({"A1": "Linked total", "B1": f"='{url}[remote.xlsx]Sheet1'!A1"})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        book = archive.read("xl/workbook.xml").decode()
    link_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/externalLinks/externalLink1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
    )
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdX1" Type="{link_type}" Target="externalLinks/externalLink1.xml"/></Relationships>',
    )
    book = book.replace(
        "</workbook>",
        '<externalReferences><externalReference xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships" r:id="rIdX1"/></externalReferences></workbook>',
    )
    link = (
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"/></externalLink>'
    )
    link_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{link_type}Path" Target="{url}remote.xlsx" TargetMode="External"/></Relationships>'
    )
    return rezip(
        data,
        {
            "[Content_Types].xml": types.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "xl/workbook.xml": book.encode(),
            "xl/externalLinks/externalLink1.xml": link.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode(),
        },
    )


def xlsx_xxe() -> bytes:
    """A sheet that declares an external entity (XXE) reading /etc/passwd into a cell."""
    data = workbook({"A1": "placeholder"})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace("<is><t>placeholder</t></is>", "<is><t>&xxe;</t></is>")
    sheet = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + sheet.split("?>", 1)[-1]
    return rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode()})


def pptx_linked_image(url: str) -> bytes:
    """A deck whose slide shows a picture linked (not embedded) from `url`."""
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Linked picture"
    buf = io.BytesIO()
    deck.save(buf)
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = archive.read("ppt/slides/_rels/slide1.xml.rels").decode()
        slide_xml = archive.read("ppt/slides/slide1.xml").decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdPic" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/image" Target="{url}picture.png" TargetMode="External"/></Relationships>',
    )
    picture = (
        '<p:pic><p:nvPicPr><p:cNvPr id="9" name="Linked"/><p:cNvPicPr/><p:nvPr/></p:nvPicPr>'
        '<p:blipFill><a:blip r:link="rIdPic"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
        '<p:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>'
    )
    slide_xml = slide_xml.replace("</p:spTree>", picture + "</p:spTree>")
    return rezip(data, {"ppt/slides/_rels/slide1.xml.rels": rels.encode(), "ppt/slides/slide1.xml": slide_xml.encode()})


def html_with_links(url: str) -> bytes:
    """A page pulling in a script, a stylesheet, a picture, a frame and a font from `url`."""
    return (
        f'<!doctype html><html><head><link rel="stylesheet" href="{url}style.css">'
        f'<script src="{url}app.js"></script><style>@font-face {{src: url({url}font.woff)}}</style></head>'
        f'<body><h1>Linked page</h1><img src="{url}pixel.png"><iframe src="{url}frame.html"></iframe>'
        "<p>Body text stays.</p></body></html>"
    ).encode()


def html_deeply_nested(depth: int = 100_000) -> bytes:
    return b"<!doctype html><html><body>" + b"<div>" * depth + b"deep" + b"</div>" * depth + b"</body></html>"
