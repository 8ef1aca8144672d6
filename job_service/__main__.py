"""Runs the JobService: the gRPC API and the workers, in one process."""

from __future__ import annotations

from grpc import aio

from chat_common import pb
from chat_common.database import migrate, open_engine, probe_database
from chat_common.grpc.client import channel
from chat_common.grpc.server import run_until_signal, start_server
from chat_common.process import init_process, run_service
from job_service.conversation_servicer import ConversationServicer
from job_service.db import MIGRATIONS, VERSION_TABLE
from job_service.db.conversations import Conversations
from job_service.db.messages import Messages
from job_service.jobs import Jobs
from job_service.keys import JobKeys
from job_service.queue import JobQueue
from job_service.servicer import JobServicer
from job_service.settings import JobSettings
from job_service.store import JobStore
from job_service.sweeper import Sweeper
from job_service.wakeups import WakeHub
from job_service.worker import Worker


async def main() -> None:
    settings = JobSettings()
    init_process("job_service", settings)
    engine = open_engine(settings, "job_service")
    await migrate(engine, MIGRATIONS, VERSION_TABLE)
    redis = settings.redis()
    job_keys = JobKeys(settings.job_queue_shards)
    store = JobStore(redis, ttl_s=settings.job_ttl_s, write_retry_s=settings.job_write_retry_s, job_keys=job_keys)
    conversations, messages = Conversations(engine), Messages(engine)
    jobs = Jobs(engine, store, messages, conversations, settings.job_write_retry_s)
    queue = JobQueue(redis, job_keys)
    await queue.ensure_group()
    hub = WakeHub(redis)
    await hub.start()

    context_channel = channel(settings.context_service_addr, settings.rpc_timeout_s)
    inference_channel = channel(settings.inference_service_addr, settings.rpc_timeout_s, settings.job_deadline_s)
    context = pb.context_grpc.ContextServiceStub(context_channel)
    inference = pb.inference_grpc.InferenceServiceStub(inference_channel)

    servicer = JobServicer(jobs, hub, context, settings.upload_dir)
    conversation_servicer = ConversationServicer(conversations, messages, jobs, context, settings.upload_dir)

    def register(server: aio.Server) -> None:
        pb.jobs_grpc.add_JobServiceServicer_to_server(servicer, server)
        pb.conversations_grpc.add_ConversationServiceServicer_to_server(conversation_servicer, server)

    server = await start_server(register, [pb.JOB_SERVICE, pb.CONVERSATION_SERVICE], settings.bind)

    probe = probe_database(settings, server, pb.JOB_SERVICE)
    worker = Worker(settings, jobs, queue, context, inference)
    worker.start()
    sweeper = Sweeper(jobs, settings.job_sweep_interval_s, settings.job_sweep_grace_s)
    if settings.job_workers:
        sweeper.start()

    async def on_stop() -> None:
        probe.cancel()
        await worker.stop(settings.shutdown_grace_s)
        await sweeper.stop()
        await hub.stop()
        await context_channel.close()
        await inference_channel.close()
        await redis.aclose()
        await engine.dispose()

    await run_until_signal(server, settings.shutdown_grace_s, on_stop)


if __name__ == "__main__":
    run_service(main())
