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


def run_scenarios(suite: Suite, scenarios: str, **env: str) -> None:
    """Runs a file of e2e/ scenarios in headless Chromium against the suite."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (scripts/install-browser.sh installs it)")
    node = shutil.which("node")
    assert node, "Node.js is required for the browser tests"
    result = subprocess.run(
        [node, "--test", "--test-concurrency=1", scenarios],
        cwd=FRONTEND,
        env={**os.environ, "BASE_URL": suite.base_url, "SCREENSHOT_DIR": str(SHOTS), "CHROMIUM_PATH": CHROMIUM, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n--- gateway log ---\n{suite.log_text('gateway')[-3000:]}"


def test_chat_in_a_real_browser(ui_suite: Suite, tmp_path: Path) -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    run_scenarios(ui_suite, "e2e/chat.e2e.mjs", SCAN_PDF=str(scanned_pdf(tmp_path / "scan.pdf")))
    assert (SHOTS / "done.txt").exists(), "every scenario ran"
    assert len(list(SHOTS.glob("*.png"))) >= 7


def test_accounts_in_a_real_browser(tmp_path: Path) -> None:
    """AUTH_MODE=accounts with guests: sign-up keeps a guest's chat, API keys, an ended session
    keeps the draft, a second user sees nothing, sign-out and account deletion."""
    suite = Suite(
        data_dir=tmp_path / "accounts-ui-suite",
        env={"PROVIDERS": "fallback", "AUTH_MODE": "accounts", "ALLOW_GUESTS": "true", **NO_RATE_LIMITS},
    ).start(timeout=120)
    try:
        (SHOTS / "accounts-done.txt").unlink(missing_ok=True)
        run_scenarios(suite, "e2e/accounts.e2e.mjs")
    finally:
        suite.stop()
    assert (SHOTS / "accounts-done.txt").exists(), "every scenario ran"
