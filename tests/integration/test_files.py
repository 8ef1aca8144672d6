"""Uploads read offline through the whole suite: OCR text reaches the model, the event
stream shows the reading's progress before the reply, and /config states the limits."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont

from suite.processes import Suite
from tests.fakes import FakeOpenAI
from tests.integration.helpers import read_sse
from tests.security.files import junk_xlsx


def picture(lines: list[str], size: tuple[int, int], font_px: int) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((40, 40 + number * font_px * 2), line, fill="black", font=ImageFont.load_default(size=font_px))
    return image


def scanned_pdf(pages: list[str]) -> bytes:
    images = [picture([text], (1240, 1754), 36) for text in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="module")
def files_suite(tmp_path_factory: pytest.TempPathFactory, model: FakeOpenAI) -> Iterator[Suite]:
    env = {"PROVIDERS": "openai,fallback", "OPENAI_BASE_URL": f"{model.url}/v1", "OPENAI_MODEL": "fake-model"}
    running = Suite(data_dir=tmp_path_factory.mktemp("files-suite"), env=env).start()
    yield running
    running.stop()


@pytest.fixture
def session(files_suite: Suite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=files_suite.base_url, headers={"X-Session-Id": uuid.uuid4().hex}, timeout=30) as client:
        yield client


def prompt_sent(model: FakeOpenAI) -> str:
    return "\n".join(m["content"] for m in json.loads(model.requests[-1].body)["messages"])


def test_a_scanned_pdf_streams_its_progress_then_a_reply_built_on_its_text(session: httpx.Client, model: FakeOpenAI) -> None:
    model.reset()
    data = scanned_pdf(["Contract 88: rent 950 EUR a month", "Notice period three months"])
    response = session.post("/files", files={"file": ("lease.pdf", data, "application/pdf")})
    assert response.status_code == 202, response.text
    events = read_sse(session, response.json()["job_id"])
    kinds = [event.event for event in events]
    progress = [event.data["text"] for event in events if event.event == "progress"]
    assert progress == ["reading page 1 of 2", "reading page 1 of 2 by OCR", "reading page 2 of 2", "reading page 2 of 2 by OCR"]
    assert [e.data["done"] for e in events if e.event == "progress"] == [1, 1, 2, 2]
    assert kinds.index("progress") < kinds.index("delta"), "the reading is shown before the reply"
    assert events[-1].data["status"] == "done"
    sent = prompt_sent(model)
    assert "rent 950 EUR a month" in sent and "Notice period three months" in sent, sent
    assert "2 scanned pages read by OCR" in sent


def test_text_in_a_photo_reaches_a_text_only_model(session: httpx.Client, model: FakeOpenAI) -> None:
    model.reset()
    buffer = io.BytesIO()
    picture(["Invoice 4711: total due 1,128.50 EUR"], (900, 160), 30).save(buffer, format="PNG")
    response = session.post("/files", files={"file": ("photo.png", buffer.getvalue(), "image/png")})
    events = read_sse(session, response.json()["job_id"])
    assert [e.data["text"] for e in events if e.event == "progress"] == ["reading text in the image"]
    assert events[-1].data["status"] == "done"
    sent = prompt_sent(model)
    assert "PNG image, 900x160 pixels" in sent and "Invoice 4711: total due 1,128.50 EUR" in sent, sent


def test_config_states_the_reading_limits(session: httpx.Client) -> None:
    config = session.get("/config").json()
    assert config["file_limits"]["max_ocr_pages"] == 20 and config["file_limits"]["max_pages"] == 50
    assert {"xlsx", "pptx", "htm"} <= set(config["allowed_extensions"])


def test_an_unreadable_file_ends_in_a_clear_error_not_pending(session: httpx.Client) -> None:
    response = session.post("/files", files={"file": ("broken.xlsx", junk_xlsx(), "application/octet-stream")})
    assert response.status_code == 202, response.text
    events = read_sse(session, response.json()["job_id"])
    assert events[-1].data["status"] == "error" and events[-1].data["error"].startswith("The file could not be analysed")


def test_many_uploads_at_once_are_all_read(files_suite: Suite) -> None:
    # Each upload is read by a child process of the job service; a burst of them starts many
    # children from a process running gRPC's threads (spawned with vfork, not the loop's fork).
    def send(number: int) -> str:
        with httpx.Client(base_url=files_suite.base_url, headers={"X-Session-Id": uuid.uuid4().hex}, timeout=30) as client:
            response = client.post("/files", files={"file": (f"note-{number}.txt", f"note {number}".encode(), "text/plain")})
            assert response.status_code == 202, response.text
            return str(response.json()["job_id"]) + " " + client.headers["X-Session-Id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = list(pool.map(send, range(40)))
    deadline = time.monotonic() + 120
    for entry in accepted:
        job_id, session = entry.split()
        with httpx.Client(base_url=files_suite.base_url, headers={"X-Session-Id": session}, timeout=30) as client:
            while (job := client.get(f"/messages/{job_id}").json()["job"])["status"] not in ("done", "error"):
                assert time.monotonic() < deadline, "uploads still unread after 120 s"
                time.sleep(0.1)
        assert job["status"] == "done", job["error"]
