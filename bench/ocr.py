"""OCR accuracy and speed on generated pictures and scanned PDFs whose text is known:

    python -m bench.ocr [--quick] [--repeat 3] [--pdf-pages 5] [--json OUT]

Lines of realistic English (invoice lines, a letter, dates, amounts, addresses, a paragraph),
chosen with a fixed seed, are drawn on white with Pillow's built-in font and, where the machine
has them, DejaVu Sans, Serif and Sans Mono. Each picture goes through the real reader
(`job_service.files.ocr`) clean at several sizes, slightly rotated, noisy, in low contrast and
JPEG-compressed. Nothing is downloaded.

It prints, per condition and font, the character error rate (Levenshtein distance / reference
length, on text whose runs of whitespace are one space) of the mended text (what `read_text`
gives), of the raw lines (`read_lines`, no spacing mend), and with all whitespace removed
("chars only": recognition errors without spacing errors; the mend only adds spaces, so this
is the same for both), and the seconds per picture. Then a scanned PDF (pages are pictures)
and a born-digital one (a text layer, which must not be OCRed) read by `read_file`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from chat_common.file_limits import FileLimits
from job_service.files.extracted import no_progress
from job_service.files.ocr import mend_spacing, read_lines
from job_service.files.readers import read_file

SEED = 20240611
LINES_PER_IMAGE = 6
TARGET_CER = 0.05  # the target on clean text
CLEAN_TARGET_MIN_PX = 20

TEXT_LINES = [
    # an invoice
    "INVOICE No. 2024-0417",
    "Invoice date: 14 March 2024",
    "Due date: 13 April 2024",
    "Bill to: Harbour Lane Bakery Ltd.",
    "Description                 Qty   Unit price   Amount",
    "Whole wheat flour, 25 kg bag   4      38.50      154.00",
    "Delivery to Leeds warehouse    1      25.00       25.00",
    "Subtotal: 179.00 GBP",
    "VAT (20%): 35.80 GBP",
    "Total due: 214.80 GBP",
    "Payment by bank transfer within 30 days.",
    "Sort code 20-45-77, account 41236690",
    # a letter
    "Dear Ms. Thompson,",
    "Thank you for your letter of 2 February.",
    "I am writing to confirm our meeting on Tuesday, 9 April at 10:30.",
    "Please bring the signed contract and a copy of your ID.",
    "If the date does not suit you, call me on 0161 496 0732.",
    "Kind regards,",
    "Daniel Okafor, Office Manager",
    # addresses and contacts
    "Flat 3, 27 Wellington Road",
    "Manchester M14 6BQ",
    "United Kingdom",
    "1600 Amphitheatre Parkway, Mountain View, CA 94043",
    "Email: accounts@harbourlane.co.uk",
    "Order reference: HL-88213-B",
    # dates and amounts
    "Meeting notes from 21/05/2024",
    "Budget for the second quarter: $12,450.75",
    "The deposit of $1,200 was received on June 3, 2024.",
    "Opening hours: Monday to Friday, 8:00 to 17:30",
    # a short paragraph
    "The new library opens next month in the old railway station.",
    "It will hold more than forty thousand books and a small cafe.",
    "Children under twelve can join the reading club for free.",
    "Volunteers are still needed to help move the shelves.",
    "The council expects about two hundred visitors a day.",
]

A4_150_DPI = (1240, 1754)  # pixels
PDF_LINES_PER_PAGE = 20
PDF_FONT_PX = 25  # 12 pt at 150 dpi
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_FONTS = {"DejaVu Sans": "DejaVuSans.ttf", "DejaVu Serif": "DejaVuSerif.ttf", "DejaVu Sans Mono": "DejaVuSansMono.ttf"}
PILLOW_DEFAULT = "Pillow default"

FontLoader = Callable[[int], ImageFont.FreeTypeFont]
Degrade = Callable[[Image.Image, random.Random], Image.Image]


# --- pictures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    name: str
    size_px: int
    degrade: Degrade
    ink: int = 0  # grey level of the text
    paper: int = 255  # grey level of the background


def unchanged(image: Image.Image, rng: random.Random) -> Image.Image:
    return image


def rotated(degrees: float) -> Degrade:
    """Turned by `degrees`, one way or the other as the picture's random draw falls."""

    def rotate(image: Image.Image, rng: random.Random) -> Image.Image:
        angle = degrees if rng.random() < 0.5 else -degrees
        return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")

    return rotate


def gaussian_noise(image: Image.Image, rng: random.Random) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, 25, pixels.shape[:2])[..., None]
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def salt_and_pepper(image: Image.Image, rng: random.Random) -> Image.Image:
    pixels = np.array(image)
    draw = np.random.default_rng(rng.getrandbits(32)).random(pixels.shape[:2])
    pixels[draw < 0.015] = 0
    pixels[draw > 0.985] = 255
    return Image.fromarray(pixels)


def jpeg(quality: int) -> Degrade:
    def compress(image: Image.Image, rng: random.Random) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")

    return compress


def conditions(quick: bool) -> list[Condition]:
    clean_sizes = (20, 32) if quick else (16, 20, 24, 32)
    rows = [Condition(f"clean {size} px", size, unchanged) for size in clean_sizes]
    rows += [Condition("rotated ±2°", 28, rotated(2))]
    rows += [] if quick else [Condition("rotated ±5°", 28, rotated(5))]
    rows += [Condition("gaussian noise s=25", 28, gaussian_noise)]
    rows += [] if quick else [Condition("salt+pepper 3%", 28, salt_and_pepper)]
    rows += [Condition("low contrast 140/210", 28, unchanged, ink=140, paper=210)]
    rows += [Condition("JPEG quality 40", 28, jpeg(40))]
    return rows


def available_fonts() -> tuple[dict[str, FontLoader], list[str]]:
    """The fonts to draw with, and a note for each that this machine lacks."""
    fonts: dict[str, FontLoader] = {PILLOW_DEFAULT: lambda size: ImageFont.load_default(size=size)}
    missing = []
    for name, filename in DEJAVU_FONTS.items():
        path = DEJAVU_DIR / filename
        if path.exists():
            fonts[name] = lambda size, path=path: ImageFont.truetype(str(path), size)
        else:
            missing.append(f"{name} skipped: {path} not found")
    return fonts, missing


def draw_lines(lines: list[str], font: ImageFont.FreeTypeFont, size_px: int, ink: int, paper: int) -> Image.Image:
    """`lines` on a plain background, left-aligned, with margins of two line heights."""
    margin, pitch = 2 * size_px, round(1.6 * size_px)
    width = max(round(font.getlength(line)) for line in lines) + 2 * margin
    height = pitch * len(lines) + 2 * margin
    image = Image.new("RGB", (width, height), (paper,) * 3)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((margin, margin + index * pitch), line, font=font, fill=(ink,) * 3)
    return image


def reference_lines(rng: random.Random, count: int) -> list[str]:
    return rng.sample(TEXT_LINES, count)


# --- error rates -----------------------------------------------------------------------------


def levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute a character) that turn `a` into `b`."""
    while a and b and a[0] == b[0]:
        a, b = a[1:], b[1:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def single_spaced(text: str) -> str:
    return " ".join(text.split())


def without_spaces(text: str) -> str:
    return "".join(text.split())


@dataclass
class Errors:
    """Edit distances summed over pictures, and the reference characters they are out of."""

    mended: int = 0
    raw: int = 0
    chars_only: int = 0
    reference_chars: int = 0
    reference_chars_only: int = 0

    def add(self, reference: str, mended: str, raw: str) -> None:
        reference = single_spaced(reference)
        self.mended += levenshtein(reference, single_spaced(mended))
        self.raw += levenshtein(reference, single_spaced(raw))
        self.chars_only += levenshtein(without_spaces(reference), without_spaces(mended))
        self.reference_chars += len(reference)
        self.reference_chars_only += len(without_spaces(reference))

    def merge(self, other: Errors) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def cer(self) -> dict[str, float]:
        return {
            "mended": self.mended / max(self.reference_chars, 1),
            "raw": self.raw / max(self.reference_chars, 1),
            "chars_only": self.chars_only / max(self.reference_chars_only, 1),
        }


# --- running ---------------------------------------------------------------------------------


@dataclass
class Row:
    condition: str
    font: str
    size_px: int
    images: int
    errors: Errors
    seconds: list[float]


def ocr_picture(image: Image.Image) -> tuple[str, str, float]:
    """The mended text (as `read_text` makes it), the raw lines, and the seconds taken."""
    started = time.perf_counter()
    lines = read_lines(image)
    mended = "\n".join(mend_spacing(line.text) for line in lines)
    elapsed = time.perf_counter() - started
    return mended, "\n".join(line.text for line in lines), elapsed


def run_condition(condition: Condition, font_name: str, load_font: FontLoader, repeat: int) -> Row:
    font = load_font(condition.size_px)
    errors, seconds = Errors(), []
    for index in range(repeat):
        # The same text and distortions for every font, so fonts compare on equal terms.
        rng = random.Random(f"{SEED}:{condition.name}:{index}")
        lines = reference_lines(rng, LINES_PER_IMAGE)
        picture = condition.degrade(draw_lines(lines, font, condition.size_px, condition.ink, condition.paper), rng)
        mended, raw, elapsed = ocr_picture(picture)
        errors.add("\n".join(lines), mended, raw)
        seconds.append(elapsed)
    return Row(condition.name, font_name, condition.size_px, repeat, errors, seconds)


def warm_up() -> float:
    """Loads the models (timed apart: it happens once per process)."""
    started = time.perf_counter()
    read_lines(draw_lines(["warm up 123"], ImageFont.load_default(size=32), 32, 0, 255))
    return time.perf_counter() - started


# --- PDFs ------------------------------------------------------------------------------------


def pdf_pages_text(pages: int) -> list[list[str]]:
    rng = random.Random(f"{SEED}:pdf")
    return [[rng.choice(TEXT_LINES) for _ in range(PDF_LINES_PER_PAGE)] for _ in range(pages)]


def pdf_font() -> tuple[str, ImageFont.FreeTypeFont]:
    path = DEJAVU_DIR / DEJAVU_FONTS["DejaVu Sans"]
    if path.exists():
        return "DejaVu Sans 12 pt", ImageFont.truetype(str(path), PDF_FONT_PX)
    return f"{PILLOW_DEFAULT} 12 pt", ImageFont.load_default(size=PDF_FONT_PX)


def scanned_pdf(pages_text: list[list[str]], font: ImageFont.FreeTypeFont) -> bytes:
    """A4 pages at 150 dpi that are only pictures of the lines: no text layer."""
    margin, pitch = 150, round(1.9 * PDF_FONT_PX)
    pages = []
    for lines in pages_text:
        page = Image.new("L", A4_150_DPI, 255)
        draw = ImageDraw.Draw(page)
        for index, line in enumerate(lines):
            draw.text((margin, margin + index * pitch), line, font=font, fill=0)
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    return buffer.getvalue()


def born_digital_pdf(pages_text: list[list[str]]) -> bytes:
    """A minimal A4 PDF whose pages draw the lines in Helvetica: a text layer, no pictures."""

    def escaped(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    count = len(pages_text)
    page_numbers = [3 + 2 * index for index in range(count)]  # each page, then its contents
    font_number = 3 + 2 * count
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{n} 0 R' for n in page_numbers)}] /Count {count} >>",
    ]
    for number, lines in zip(page_numbers, pages_text, strict=True):
        operators = "".join(f"BT /F1 12 Tf 72 {770 - 22 * i} Td ({escaped(line)}) Tj ET\n" for i, line in enumerate(lines))
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {number + 1} 0 R "
            f"/Resources << /Font << /F1 {font_number} 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(operators)} >>\nstream\n{operators}endstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def split_pages(text: str, pages: int) -> list[str]:
    """The text of each page of what `read_file` gave (pages are marked `[page N]` if several)."""
    if pages == 1:
        return [text]
    found = {}
    parts = re.split(r"^\[page (\d+)\]\n", text, flags=re.MULTILINE)
    for number, page_text in zip(parts[1::2], parts[2::2], strict=False):
        found[int(number)] = page_text
    return [found.get(number, "") for number in range(1, pages + 1)]


@dataclass
class PdfResult:
    kind: str
    font: str
    pages: int
    ocr_pages: int
    errors: Errors
    seconds: float


def read_pdf_file(kind: str, font_name: str, data: bytes, pages_text: list[list[str]]) -> PdfResult:
    limits = FileLimits()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{kind}.pdf"
        path.write_bytes(data)
        started = time.perf_counter()
        extracted = read_file(path, "pdf", limits, no_progress)
        elapsed = time.perf_counter() - started
    errors = Errors()
    for reference, page_text in zip(pages_text, split_pages(extracted.text, len(pages_text)), strict=True):
        errors.add("\n".join(reference), page_text, page_text)  # read_file gives no raw lines
    return PdfResult(kind, font_name, len(pages_text), extracted.ocr_pages, errors, elapsed)


def run_pdfs(pages: int) -> list[PdfResult]:
    pages_text = pdf_pages_text(pages)
    font_name, font = pdf_font()
    return [
        read_pdf_file("scanned", font_name, scanned_pdf(pages_text, font), pages_text),
        read_pdf_file("born-digital", "Helvetica (text layer)", born_digital_pdf(pages_text), pages_text),
    ]


# --- report ----------------------------------------------------------------------------------


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    usable = len(os.sched_getaffinity(0))
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores ({usable} usable), Python {platform.python_version()}, {system}"


def percent(value: float) -> str:
    return f"{100 * value:5.1f} %"


TABLE_HEADER = (
    f"{'condition':<20} | {'font':<16} | {'images':>6} | {'CER (mended)':>12} | {'CER (raw)':>9} | "
    f"{'CER chars-only':>14} | {'s/image':>7}"
)


def print_row(row: Row) -> None:
    cer = row.errors.cer()
    print(
        f"{row.condition:<20} | {row.font:<16} | {row.images:>6} | {percent(cer['mended']):>12} | "
        f"{percent(cer['raw']):>9} | {percent(cer['chars_only']):>14} | {statistics.fmean(row.seconds):7.2f}",
        flush=True,
    )


def clean_summary(rows: list[Row]) -> dict[str, object]:
    """CER over every clean picture whose text is at least CLEAN_TARGET_MIN_PX tall, and by font."""
    clean = [row for row in rows if row.condition.startswith("clean") and row.size_px >= CLEAN_TARGET_MIN_PX]
    total, by_font = Errors(), {}
    for row in clean:
        total.merge(row.errors)
        by_font.setdefault(row.font, Errors()).merge(row.errors)
    return {
        "images": sum(row.images for row in clean),
        "cer": total.cer(),
        "cer_by_font": {font: errors.cer()["mended"] for font, errors in by_font.items()},
    }


def print_summary(summary: dict[str, object], pdfs: list[PdfResult]) -> None:
    cer = summary["cer"]
    verdict = "met" if cer["mended"] <= TARGET_CER else "NOT met"
    print(
        f"\nclean text >= {CLEAN_TARGET_MIN_PX} px, {summary['images']} images: CER {percent(cer['mended']).strip()} mended, "
        f"{percent(cer['raw']).strip()} raw, {percent(cer['chars_only']).strip()} chars only "
        f"(target <= {TARGET_CER:.0%}: {verdict})"
    )
    print(
        "  by font (mended): " + ", ".join(f"{font} {percent(value).strip()}" for font, value in summary["cer_by_font"].items())
    )
    for pdf in pdfs:
        pdf_cer = pdf.errors.cer()
        print(
            f"{pdf.kind} PDF, {pdf.pages} A4 pages in {pdf.font}, {pdf.ocr_pages} read by OCR: "
            f"CER {percent(pdf_cer['mended']).strip()}, chars only {percent(pdf_cer['chars_only']).strip()}, "
            f"{pdf.seconds / pdf.pages:.2f} s/page"
        )


def as_json(rows: list[Row], summary: dict[str, object], pdfs: list[PdfResult], notes: dict[str, object]) -> dict[str, object]:
    return {
        **notes,
        "rows": [
            {
                "condition": row.condition,
                "font": row.font,
                "size_px": row.size_px,
                "images": row.images,
                "cer": row.errors.cer(),
                "seconds_per_image": statistics.fmean(row.seconds),
            }
            for row in rows
        ],
        "clean_summary": summary,
        "pdfs": [
            {
                "kind": pdf.kind,
                "font": pdf.font,
                "pages": pdf.pages,
                "ocr_pages": pdf.ocr_pages,
                "cer": {name: value for name, value in pdf.errors.cer().items() if name != "raw"},
                "seconds_per_page": pdf.seconds / pdf.pages,
            }
            for pdf in pdfs
        ],
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer sizes and conditions, one picture each: a smoke run")
    ap.add_argument("--repeat", type=int, default=3, help="pictures per condition and font")
    ap.add_argument("--pdf-pages", type=int, default=5)
    ap.add_argument("--json", dest="json_out", help="write the figures to this file")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    pdf_pages = min(args.pdf_pages, 2) if args.quick else args.pdf_pages

    fonts, missing = available_fonts()
    print(f"machine: {machine()}")
    for note in missing:
        print(note)
    if pdf_pages > FileLimits().max_ocr_pages:
        print(f"note: only {FileLimits().max_ocr_pages} pages are OCRed (FILE_MAX_OCR_PAGES); the rest count as unread")
    load_s = warm_up()
    print(f"OCR models loaded in {load_s:.1f} s; {LINES_PER_IMAGE} lines per image, {repeat} image(s) per row\n")

    print(TABLE_HEADER)
    print("-" * len(TABLE_HEADER))
    rows = []
    for condition in conditions(args.quick):
        for name, load_font in fonts.items():
            rows.append(run_condition(condition, name, load_font, repeat))
            print_row(rows[-1])
    summary = clean_summary(rows)
    pdfs = run_pdfs(pdf_pages)
    print_summary(summary, pdfs)

    result = as_json(rows, summary, pdfs, {"machine": machine(), "fonts_missing": missing, "model_load_s": load_s})
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
