"""The README's Python gRPC client prints a streamed reply."""

from __future__ import annotations

import subprocess
import sys

from suite.processes import ROOT, Suite


def test_cli_prints_the_reply_and_provider(backend: Suite) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "job_service.cli", "Hello from the CLI", "--addr", backend.addr("job_service")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no AI provider is available" in result.stdout
    assert "— fallback" in result.stdout
