"""A real `python -m model_server` on a free port, for tests that kill and restart it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from chat_common.children import ChildServer, free_port, wait_ready, wrap
from suite.processes import ROOT

# The fast tests run SmolLM2-135M; a few integration and browser tests run the default model.
FAST_MODEL = "smollm2-135m"


class ModelServer(ChildServer):
    """The model server alone; `kill` is what a segfault in native code looks like from outside."""

    def __init__(self, log_dir: Path, model: str = FAST_MODEL, port: int | None = None) -> None:
        self.log_dir = log_dir
        self.model = model
        self.port = port or free_port()
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 60.0) -> ModelServer:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "LOCAL_MODEL": self.model, "MODEL_SERVER_ADDR": f"127.0.0.1:{self.port}", "LOG_FORMAT": "text"}
        with (self.log_dir / "model_server.log").open("ab") as log:
            self.process = subprocess.Popen(
                wrap([sys.executable, "-m", "model_server"]), cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
            )
        try:
            wait_ready(self.process, self.healthy, timeout, "model_server")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {self.log_text()[-2000:]}") from None
        return self

    def healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log_text(self) -> str:
        path = self.log_dir / "model_server.log"
        return path.read_text(errors="replace") if path.exists() else ""
