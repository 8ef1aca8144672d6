"""A bounded pool of sandboxed readers: at most `file_readers` uploads are read at once per
job-service process, each in a child process (`job_service.files.sandbox`) that is killed
when its wall-clock limit passes or its job is cancelled. The worker's event loop only
reads the child's progress lines, so other users' messages never wait behind a file."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, cast

from chat_common.children import wrap
from job_service.files.extracted import Extracted, UnreadableFile

log = logging.getLogger("job_service.files.pool")

AsyncProgress = Callable[[int, int, str], Awaitable[None]]
# One BLAS or OpenMP thread per reader: the pool, not the libraries, decides the parallelism.
CHILD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
STDERR_TAIL_LINES = 20
RESULT_LIMIT = 8 * 1024 * 1024  # one result line carries up to max_chars of text
STDERR_LIMIT = 1024 * 1024


class FileReaders:
    def __init__(self, readers: int, timeout_s: float, cpu_s: int, memory_mb: int) -> None:
        self._slots = asyncio.Semaphore(max(1, readers))
        self._timeout_s = timeout_s
        self._cpu_s = cpu_s
        self._memory_mb = memory_mb

    async def read(self, path: Path, kind: str, progress: AsyncProgress) -> Extracted:
        if self._slots.locked():
            await progress(0, 0, "waiting for a free reader")
        async with self._slots:
            return await self._run(path, kind, progress)

    async def _run(self, path: Path, kind: str, progress: AsyncProgress) -> Extracted:
        command = [
            sys.executable,
            "-X",
            "faulthandler",  # a crash in a native parser leaves its traceback in the log
            "-m",
            "job_service.files.sandbox",
            kind,
            str(path),
            "--cpu-s",
            str(self._cpu_s),
            "--memory-mb",
            str(self._memory_mb),
        ]
        child = await asyncio.to_thread(_spawn, wrap(command))
        stdout = await _reader(child.stdout, RESULT_LIMIT)
        stderr = await _reader(child.stderr, STDERR_LIMIT)
        stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        drain = asyncio.create_task(_drain(stderr, stderr_tail))
        try:
            async with asyncio.timeout(self._timeout_s):
                outcome = await _follow(stdout, progress)
                await asyncio.to_thread(child.wait)
        except TimeoutError:
            raise UnreadableFile(f"reading it took longer than {self._timeout_s:.0f} seconds") from None
        finally:
            if child.poll() is None:
                child.kill()
                await asyncio.to_thread(child.wait)
            drain.cancel()
        return _result(outcome, child.returncode, stderr_tail)


def _spawn(command: list[str]) -> subprocess.Popen[bytes]:
    """The reader's process, started by the standard library (vfork and exec), not by the event
    loop: uvloop forks, and a fork of this process, which runs gRPC's threads, runs gRPC's fork
    handlers in the child, which crashed some children (SIGSEGV) before they could exec."""
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **CHILD_ENV},
    )


async def _reader(pipe: IO[bytes] | None, limit: int) -> asyncio.StreamReader:
    """An asyncio reader of one of the child's pipes (the transport closes the pipe)."""
    assert pipe is not None
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return reader


async def _follow(stdout: asyncio.StreamReader, progress: AsyncProgress) -> dict[str, object]:
    """Relays progress lines; returns the final message (empty if the child died first)."""
    async for raw in stdout:
        message = json.loads(raw)
        if "progress" in message:
            done, total, text = message["progress"]
            await progress(int(done), int(total), str(text))
        else:
            return dict(message)
    return {}


def _result(outcome: dict[str, object], returncode: int | None, stderr_tail: collections.deque[str]) -> Extracted:
    if "result" in outcome:
        return Extracted(**cast(dict[str, Any], outcome["result"]))
    if "error" in outcome:
        raise UnreadableFile(str(outcome["error"]))
    if returncode == -signal.SIGXCPU:
        raise UnreadableFile("reading it needed more processing time than is allowed")
    log.warning("file reader exited with %s; its last words: %s", returncode, " | ".join(stderr_tail) or "none")
    raise UnreadableFile("the reader failed on this file")


async def _drain(stderr: asyncio.StreamReader, tail: collections.deque[str]) -> None:
    async for raw in stderr:
        tail.append(raw.decode("utf-8", "replace").rstrip())
