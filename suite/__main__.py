"""`python -m suite`: the whole suite on this machine, until Ctrl-C.

With no REDIS_URL it launches a real redis-server with its data and AOF under ./data (with
REDIS_MODE=cluster, a Redis Cluster of 3 primaries and 3 replicas under ./data/redis-cluster), with
no DATABASE_URL a real PostgreSQL with its cluster under ./data/postgres, and
with the local model among the providers (and no LOCAL_MODEL_URL) the model server. A part
that exits unexpectedly is restarted with backoff (suite/supervisor.py).

`--replicas gateway=2,job_service=3,context_service=2,inference_service=2` runs that many
processes of each: callers reach the gRPC replicas through round-robin channels over their
addresses; each gateway replica has its own port (printed), all serving the same data.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from chat_common.logs import setup_logging
from suite.processes import ROOT, Ports, Suite, parse_replicas
from suite.supervisor import Supervisor

log = logging.getLogger("suite")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite", description="The whole suite on this machine, until Ctrl-C.")
    parser.add_argument("--replicas", default="", help="processes per service, e.g. gateway=2,job_service=3")
    args = parser.parse_args(argv)
    try:
        replicas = parse_replicas(args.replicas)
    except ValueError as exc:
        parser.error(str(exc))
    setup_logging("suite", os.environ.get("LOG_LEVEL", "INFO"), "text")
    data_dir = Path(os.environ.get("DATA_DIR", ROOT / "data"))
    suite = Suite(
        data_dir=data_dir,
        ports=Ports.from_env(),
        redis_url=os.environ.get("REDIS_URL") or None,
        database_url=os.environ.get("DATABASE_URL") or None,
        log_to_files=os.environ.get("SUITE_LOG_TO_FILES", "0") == "1",
        env={
            "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
            # One person and a local model: recall by meaning is worth its CPU (context_service/settings.py).
            "CONTEXT_SEMANTIC": os.environ.get("CONTEXT_SEMANTIC", "true"),
        },
        replicas=replicas,
        metrics_ports={
            name: int(os.environ.get(f"{name.upper()}_METRICS_PORT", default))
            for name, default in (("job_service", 9101), ("context_service", 9102), ("inference_service", 9103))
        },
    )
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        suite.start(timeout=120)
        print(f"\n  Chat assistant is running: open {suite.base_url}/   (API docs: {suite.base_url}/docs)\n", flush=True)
        if len(suite.base_urls) > 1:
            print("  Gateway replicas: " + "  ".join(f"{url}/" for url in suite.base_urls) + "\n", flush=True)
        supervisor = Supervisor(suite)
        while not stopping:
            supervisor.check()
            time.sleep(0.25)
    except RuntimeError as exc:
        log.error("%s", exc)
        return 1
    finally:
        log.info("stopping the suite")
        suite.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
