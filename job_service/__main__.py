"""Runs the JobService: the gRPC API and the workers, in one process."""

from __future__ import annotations

from chat_common import pb
from chat_common.grpc.client import channel
from chat_common.grpc.server import run_until_signal, start_server
from chat_common.process import init_process, run_service
from job_service.queue import JobQueue
from job_service.servicer import JobServicer
from job_service.settings import JobSettings
from job_service.store import JobStore
from job_service.wakeups import WakeHub
from job_service.worker import Worker


async def main() -> None:
    settings = JobSettings()
    init_process("job_service", settings)
    redis = settings.redis()
    store = JobStore(redis, ttl_s=settings.job_ttl_s, write_retry_s=settings.job_write_retry_s)
    queue = JobQueue(redis)
    await queue.ensure_group()
    hub = WakeHub(redis)
    await hub.start()

    context_channel = channel(settings.context_service_addr, settings.rpc_timeout_s)
    inference_channel = channel(settings.inference_service_addr, settings.rpc_timeout_s, settings.job_deadline_s)
    context = pb.context_grpc.ContextServiceStub(context_channel)
    inference = pb.inference_grpc.InferenceServiceStub(inference_channel)

    servicer = JobServicer(store, hub, context)
    server = await start_server(
        lambda s: pb.jobs_grpc.add_JobServiceServicer_to_server(servicer, s),
        [pb.JOB_SERVICE],
        settings.bind,
    )
    worker = Worker(settings, store, queue, context, inference)
    worker.start()

    async def on_stop() -> None:
        await worker.stop(settings.shutdown_grace_s)
        await hub.stop()
        await context_channel.close()
        await inference_channel.close()
        await redis.aclose()

    await run_until_signal(server, settings.shutdown_grace_s, on_stop)


if __name__ == "__main__":
    run_service(main())
