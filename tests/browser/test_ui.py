"""Browser end-to-end: the real suite with the local model, driven in headless Chromium.

The scenarios live in frontend/e2e/chat.e2e.mjs (playwright-core, Node's test runner).
Screenshots go to test-output/browser/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from bench.common import NO_RATE_LIMITS
from suite.processes import ROOT, Suite

FRONTEND = ROOT / "frontend"
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ui_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    if not (FRONTEND / "dist" / "index.html").is_file():
        pytest.fail("the web UI is not built: run `bash scripts/install.sh --frontend`")
    suite = Suite(
        data_dir=tmp_path_factory.mktemp("ui-suite"),
        env={"PROVIDERS": "local,fallback", "MAX_OUTPUT_TOKENS": "96", **NO_RATE_LIMITS},
    ).start(timeout=120)
    yield suite
    suite.stop()


def scanned_pdf(path: Path, pages: int = 3) -> Path:
    """A PDF of page pictures with text and no text layer, as a scanner makes it."""
    pictures = []
    for page in range(1, pages + 1):
        picture = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(picture)
        for line in range(8):
            draw.text(
                (90, 120 + line * 70),
                f"Page {page}, line {line + 1}: invoice total 42 EUR.",
                fill=0,
                font=ImageFont.load_default(size=32),
            )
        pictures.append(picture)
    pictures[0].save(path, format="PDF", save_all=True, append_images=pictures[1:], resolution=150)
    return path


def test_chat_in_a_real_browser(ui_suite: Suite, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (scripts/install-browser.sh installs it)")
    node = shutil.which("node")
    assert node, "Node.js is required for the browser tests"
    shutil.rmtree(SHOTS, ignore_errors=True)
    result = subprocess.run(
        [node, "--test", "--test-concurrency=1", "e2e/chat.e2e.mjs"],
        cwd=FRONTEND,
        env={
            **os.environ,
            "BASE_URL": ui_suite.base_url,
            "SCREENSHOT_DIR": str(SHOTS),
            "CHROMIUM_PATH": CHROMIUM,
            "SCAN_PDF": str(scanned_pdf(tmp_path / "scan.pdf")),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"{result.stdout}\n{result.stderr}\n--- gateway log ---\n{ui_suite.log_text('gateway')[-3000:]}"
    )
    assert (SHOTS / "done.txt").exists(), "every scenario ran"
    assert len(list(SHOTS.glob("*.png"))) >= 7
