"""Pictures: what is known of them (format, size) and the text in them, read by OCR."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from chat_common.file_limits import FileLimits
from job_service.files import ocr
from job_service.files.extracted import Extracted, Progress, UnreadableFile


def read_image(path: Path, limits: FileLimits, progress: Progress) -> Extracted:

    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with Image.open(path) as image:
            description = describe(image)
            progress(0, 0, "reading text in the image")
            picture = _decoded(image, limits.max_render_pixels)
    except Image.DecompressionBombError as exc:
        raise UnreadableFile("the image is too large to process") from exc
    except OSError as exc:
        raise UnreadableFile("the image could not be read") from exc
    if picture is None:
        # The header was readable: what it says is still worth telling.
        return Extracted(text="", description=description, notes=["its picture data is damaged or cut short"])
    return Extracted(text=ocr.read_text(picture), description=description, ocr_pages=1)


def _decoded(image: Image.Image, max_pixels: int) -> Image.Image | None:
    """The first frame as RGB, at most `max_pixels`; None if the pixel data is broken."""
    try:
        image.seek(0)
        return _bounded(image.convert("RGB"), max_pixels)
    except (OSError, SyntaxError, ValueError):
        return None


def describe(image: Image.Image) -> str:
    frames = getattr(image, "n_frames", 1)
    described = f"{image.format} image, {image.width}x{image.height} pixels, mode {image.mode}"
    return described + (f", {frames} frames" if frames > 1 else "")


def _bounded(image: Image.Image, max_pixels: int) -> Image.Image:
    """A huge photo is read at a size OCR can handle: text in it is large anyway."""
    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image

    scale = (max_pixels / pixels) ** 0.5
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS)
