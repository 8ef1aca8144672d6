"""Other users' messages while big uploads are read: `python -m bench.files_under_load`.

Runs the whole suite as real processes with the instant provider, so a message costs the
suite's own work and nothing else. Messages go out at a steady rate from several sessions,
each timed from its POST to its terminal status over SSE, in two phases of one run, side
by side: alone, and while N scanned PDFs of P pages each are read by OCR (the readers run
in sandboxed child processes at low priority, FILE_READERS at a time). Prints p50 and p99
message latency per phase, and how long each PDF took to be read and answered.
    python -m bench.files_under_load --pdfs 2 --pages 20 --rate 4
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from PIL import Image, ImageDraw, ImageFont

from bench.common import NO_RATE_LIMITS, http_client, machine, percentile, send_message, sse_data
from suite.processes import Suite

LINES_PER_PAGE = 24


def scanned_pdf(pages: int, tag: str) -> bytes:
    """An A4 scan at 150 dpi: each page a picture of text, no text layer."""
    font = ImageFont.load_default(size=30)
    pictures = []
    for page in range(1, pages + 1):
        picture = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(picture)
        for line in range(LINES_PER_PAGE):
            draw.text((90, 110 + line * 64), f"{tag} page {page} line {line + 1}: totals and dates to read.", fill=0, font=font)
        pictures.append(picture)
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="PDF", save_all=True, append_images=pictures[1:], resolution=150)
    return buffer.getvalue()


async def read_upload(base_url: str, data: bytes, name: str) -> tuple[float, int, str]:
    """Uploads a file and follows its job to the end: seconds taken, progress events, status."""
    headers = {"X-Session-Id": uuid.uuid4().hex}
    async with http_client(base_url, 2, timeout_s=900) as client:
        started = time.perf_counter()
        form = aiohttp.FormData()
        form.add_field("file", data, filename=name, content_type="application/pdf")
        async with client.post("/files", data=form, headers=headers) as response:
            job_id = (await response.json())["job_id"]
        progress = 0
        status = "?"
        async for event in sse_data(client, f"/messages/{job_id}/events", headers):
            progress += "done" in event and "total" in event
            if event.get("status") in ("done", "error"):
                status = str(event["status"])
                break
    return time.perf_counter() - started, progress, status


async def steady_messages(base_url: str, rate: float, seconds: float, sessions: int) -> list[float]:
    """Messages at `rate` per second for `seconds`; each one's latency to its terminal status."""
    names = [uuid.uuid4().hex for _ in range(sessions)]
    tasks = []
    started = time.perf_counter()
    for number in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(send_message(base_url, names[number % sessions], f"message {number}", "instant")))
    return [reply.total_s for reply in await asyncio.gather(*tasks)]


async def loaded_phase(base_url: str, args: argparse.Namespace) -> tuple[list[float], list[tuple[float, int, str]]]:
    pdfs = [scanned_pdf(args.pages, f"File {n + 1}") for n in range(args.pdfs)]
    uploads = [asyncio.create_task(read_upload(base_url, data, f"scan-{n + 1}.pdf")) for n, data in enumerate(pdfs)]
    await asyncio.sleep(1.0)  # the readers have started
    latencies = await steady_messages(base_url, args.rate, args.seconds, args.sessions)
    return latencies, await asyncio.gather(*uploads)


def row(label: str, latencies: list[float]) -> str:
    ms = [value * 1000 for value in latencies]
    return f"| {label} | {len(ms)} | {percentile(ms, 50):.1f} | {percentile(ms, 99):.1f} | {max(ms):.1f} |"


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PROVIDERS": "instant",
            "LOG_LEVEL": "WARNING",
            "FILE_READERS": str(args.readers),
            "JOB_DEADLINE_S": "600",
            "FILE_READ_TIMEOUT_S": "580",
            "FILE_CPU_LIMIT_S": "600",
            **NO_RATE_LIMITS,
        }
        suite = Suite(data_dir=Path(tmp), env=env).start()
        try:
            alone = await steady_messages(suite.base_url, args.rate, args.seconds, args.sessions)
            loaded, files = await loaded_phase(suite.base_url, args)
        finally:
            suite.stop()
    print(
        f"files under load: {machine()}; {args.pdfs} scanned PDFs of {args.pages} pages, "
        f"FILE_READERS={args.readers}, messages at {args.rate}/s for {args.seconds:.0f} s per phase"
    )
    print("| phase | messages | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
    print(row("messages alone", alone))
    print(row(f"while {args.pdfs} scanned PDFs are read", loaded))
    for number, (seconds, progress, status) in enumerate(files, start=1):
        print(f"PDF {number}: {status} in {seconds:.1f} s ({seconds / args.pages:.2f} s a page), {progress} progress events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=int, default=2)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--readers", type=int, default=2, help="FILE_READERS")
    parser.add_argument("--rate", type=float, default=4.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--sessions", type=int, default=8)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
