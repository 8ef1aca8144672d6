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


def test_chat_in_a_real_browser(ui_suite: Suite) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (scripts/install-browser.sh installs it)")
    node = shutil.which("node")
    assert node, "Node.js is required for the browser tests"
    shutil.rmtree(SHOTS, ignore_errors=True)
    result = subprocess.run(
        [node, "--test", "--test-concurrency=1", "e2e/chat.e2e.mjs"],
        cwd=FRONTEND,
        env={**os.environ, "BASE_URL": ui_suite.base_url, "SCREENSHOT_DIR": str(SHOTS), "CHROMIUM_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"{result.stdout}\n{result.stderr}\n--- gateway log ---\n{ui_suite.log_text('gateway')[-3000:]}"
    )
    assert (SHOTS / "done.txt").exists(), "every scenario ran"
    assert len(list(SHOTS.glob("*.png"))) >= 7
