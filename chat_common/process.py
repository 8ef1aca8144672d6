"""What every service process does first: logging, its metrics port, and tracing when enabled."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import uvloop

from chat_common.logs import setup_logging
from chat_common.metrics import serve_metrics
from chat_common.settings import ServiceSettings
from chat_common.tracing import setup_tracing


def init_process(component: str, settings: ServiceSettings) -> None:
    setup_logging(component, settings.log_level, settings.log_format)
    serve_metrics(settings.metrics_port)
    setup_tracing(component)


def run_service(main: Coroutine[Any, Any, None]) -> None:
    """Runs a service's main coroutine on uvloop: less event-loop overhead per RPC and Redis call."""
    uvloop.run(main)
