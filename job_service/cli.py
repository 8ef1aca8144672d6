"""A direct gRPC client: sends one message through JobService and prints the streamed reply.

python -m job_service.cli "What can you do?" [--session ID] [--addr HOST:PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from grpc import aio

from chat_common import pb
from chat_common.grpc.client import channel
from chat_common.settings import ServiceSettings


async def send(addr: str, session_id: str, text: str, timeout: float) -> int:
    async with channel(addr, unary_timeout=10, stream_timeout=timeout) as ch:
        stub = pb.jobs_grpc.JobServiceStub(ch)
        created = await stub.CreateJob(
            pb.jobs.CreateJobRequest(
                session_id=session_id, kind=pb.common.JOB_KIND_MESSAGE, text=text, idempotency_key=uuid.uuid4().hex
            )
        )
        out = sys.stdout
        async for event in stub.WatchJob(pb.jobs.WatchJobRequest(session_id=session_id, job_id=created.job.id)):
            kind = event.WhichOneof("payload")
            if kind == "delta":
                out.write(event.delta.text)
                out.flush()
            elif kind == "restarted":
                out.write(f"\n[{event.restarted.failed_provider} failed mid-reply; starting over]\n")
            elif event.status.status == pb.common.JOB_STATUS_DONE:
                result = event.status.job.result
                out.write(
                    f"\n\n— {result.provider} ({result.model}), {result.usage.total_tokens} tokens, {result.latency_ms} ms\n"
                )
                return 0
            elif event.status.status == pb.common.JOB_STATUS_ERROR:
                out.write(f"\nerror: {event.status.error}\n")
                return 1
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text")
    parser.add_argument("--session", default="cli-" + uuid.uuid4().hex[:12], help="session id (reuse it to continue a chat)")
    parser.add_argument("--addr", default=ServiceSettings().job_service_addr)
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    try:
        return asyncio.run(send(args.addr, args.session, args.text, args.timeout))
    except aio.AioRpcError as exc:
        sys.stderr.write(f"error: {exc.code().name}: {exc.details()}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
