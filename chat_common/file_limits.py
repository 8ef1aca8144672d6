"""How much of an uploaded file is read: the gateway states these in /config, the job
service's readers enforce them. One settings object, read by both from the environment."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class FileLimits(BaseSettings):
    """Environment variables FILE_MAX_CHARS, FILE_MAX_PAGES, ... (upper-case)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", env_prefix="FILE_")

    # Characters of extracted text the model is given; the rest is cut with a note.
    max_chars: int = 20_000
    # Pages of a PDF (or slides, or sheets) that are read at all.
    max_pages: int = 50
    # Pages with no text layer that are rendered and read by OCR (the slow part: ~1 s each).
    max_ocr_pages: int = 20
    # A page with fewer characters than this in its text layer is treated as scanned.
    ocr_min_chars: int = 20
    # Pixels of a rendered PDF page (about A4 at 150 dpi) and of a decoded image.
    max_render_pixels: int = 2_500_000
    max_image_pixels: int = 40_000_000
    # Rows per sheet of a spreadsheet.
    max_rows: int = 500
    # An office file (a zip) whose parts declare more than this uncompressed is refused.
    max_expanded_bytes: int = 100 * 1024 * 1024

    def public(self) -> FileLimitsOut:
        return FileLimitsOut(**self.model_dump())


class FileLimitsOut(BaseModel):
    """The limits as /config shows them."""

    max_chars: int
    max_pages: int
    max_ocr_pages: int
    ocr_min_chars: int
    max_render_pixels: int
    max_image_pixels: int
    max_rows: int
    max_expanded_bytes: int
