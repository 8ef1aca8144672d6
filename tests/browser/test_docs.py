"""Browser end-to-end: /docs (Swagger UI) and /redoc (ReDoc) render in headless Chromium with
no network but this machine, so their assets come from the gateway itself.

The scenarios live in frontend/e2e/docs.e2e.mjs (playwright-core, Node's test runner), run the
same way as tests/browser/test_ui.py runs chat.e2e.mjs. The docs need no model and no built UI,
so the suite here answers with the fallback provider only. Screenshots go to
test-output/browser-docs/.
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
SHOTS = ROOT / "test-output" / "browser-docs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def docs_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    suite = Suite(data_dir=tmp_path_factory.mktemp("docs-suite"), env={"PROVIDERS": "fallback", **NO_RATE_LIMITS}).start()
    yield suite
    suite.stop()


def test_docs_render_offline_in_a_real_browser(docs_suite: Suite) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (scripts/install-browser.sh installs it)")
    node = shutil.which("node")
    assert node, "Node.js is required for the browser tests"
    shutil.rmtree(SHOTS, ignore_errors=True)
    result = subprocess.run(
        [node, "--test", "--test-concurrency=1", "e2e/docs.e2e.mjs"],
        cwd=FRONTEND,
        env={**os.environ, "BASE_URL": docs_suite.base_url, "SCREENSHOT_DIR": str(SHOTS), "CHROMIUM_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=300,
    )
    gateway_log = docs_suite.log_text("gateway")[-3000:]
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n--- gateway log ---\n{gateway_log}"
    assert {p.name for p in SHOTS.glob("*.png")} >= {"docs-operations.png", "docs-try-it-out.png", "redoc.png"}
