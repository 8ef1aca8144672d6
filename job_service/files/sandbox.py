"""One upload read in a process of its own: `python -m job_service.files.sandbox KIND PATH
--cpu-s N --memory-mb M`.

The parsers (PDFium, lxml, ONNX Runtime) read untrusted bytes and OCR is CPU-heavy, so the
reader runs apart from the worker's event loop, at low priority, with a CPU-time limit
(SIGXCPU ends it), an address-space limit and no core dumps. It speaks JSON lines on
stdout: `{"progress": [done, total, text]}` as it goes, then `{"result": {...}}` or
`{"error": "..."}`. Libraries that print are sent to stderr, never into that channel.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import traceback
from pathlib import Path
from typing import TextIO

from chat_common.file_limits import FileLimits
from job_service.files.extracted import UnreadableFile
from job_service.files.readers import read_file

NICENESS = 10


def _limit(cpu_s: int, memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 2))
    if memory_mb > 0:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    os.nice(NICENESS)


def _channel() -> TextIO:
    """The protocol's own copy of stdout; fd 1 then points at stderr."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="job_service.files.sandbox")
    parser.add_argument("kind")
    parser.add_argument("path", type=Path)
    parser.add_argument("--cpu-s", type=int, default=60)
    parser.add_argument("--memory-mb", type=int, default=0)
    args = parser.parse_args(argv)
    channel = _channel()
    _limit(args.cpu_s, args.memory_mb)

    def send(message: dict[str, object]) -> None:
        channel.write(json.dumps(message) + "\n")

    def progress(done: int, total: int, text: str) -> None:
        send({"progress": [done, total, text]})

    try:
        extracted = read_file(args.path, args.kind, FileLimits(), progress)
    except UnreadableFile as exc:
        send({"error": str(exc)})
        return 0
    except MemoryError:
        send({"error": "the file needs more memory to read than is allowed"})
        return 0
    except Exception as exc:  # noqa: BLE001 - any parser failure on an untrusted file
        traceback.print_exc()
        send({"error": f"the file could not be read ({type(exc).__name__})"})
        return 0
    send({"result": dataclasses.asdict(extracted)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
