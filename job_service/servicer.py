"""The JobService gRPC API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from grpc import aio

from chat_common import pb
from chat_common.errors import ErrorCode, InvalidArgument, NotFound, ServiceError, require
from chat_common.logs import request_id_var
from chat_common.metrics import JOBS_CREATED
from job_service.files.removal import remove_uploads
from job_service.jobs import Created, Jobs
from job_service.store import TERMINAL, decode_event, restarted_seq0
from job_service.wakeups import WakeHub

log = logging.getLogger("job_service.servicer")

# Bounds the work of one CreateJobs call.
MAX_BATCH = 256
# A watcher re-reads the log this often even without a wake-up: pub/sub is at-most-once.
REREAD_INTERVAL_S = 2.0


def _created(created: Created) -> pb.jobs.CreateJobResponse:
    if created.created:
        kind = pb.common.JobKind.Name(created.job.kind)
        JOBS_CREATED.labels(kind.removeprefix("JOB_KIND_").lower()).inc()
        log.info("job %s created (%s)", created.job.id, kind)
    return pb.jobs.CreateJobResponse(job=created.job, created=created.created)


class JobServicer(pb.jobs_grpc.JobServiceServicer):
    def __init__(self, jobs: Jobs, hub: WakeHub, context: pb.context_grpc.ContextServiceStub, upload_dir: str) -> None:
        self.jobs = jobs
        self.store = jobs.store
        self.hub = hub
        self.context = context
        self.upload_dir = upload_dir

    async def CreateJob(self, request: pb.jobs.CreateJobRequest, context: aio.ServicerContext) -> pb.jobs.CreateJobResponse:
        return _created(await self.jobs.create(request))

    async def CreateJobs(self, request: pb.jobs.CreateJobsRequest, context: aio.ServicerContext) -> pb.jobs.CreateJobsResponse:
        if len(request.items) > MAX_BATCH:
            raise InvalidArgument(f"at most {MAX_BATCH} jobs per call")
        outcomes = await self.jobs.create_many(
            [(item.request, item.request_id, dict(item.trace_context)) for item in request.items]
        )
        response = pb.jobs.CreateJobsResponse()
        for item, outcome in zip(request.items, outcomes, strict=True):
            if isinstance(outcome, ServiceError):
                response.outcomes.add(
                    error=pb.jobs.ItemError(
                        code=outcome.status.value[0], message=outcome.message, reason=outcome.error_code.reason
                    )
                )
            else:
                request_id_var.set(item.request_id)  # the log line below belongs to that request
                response.outcomes.add(created=_created(outcome))
        return response

    async def GetJob(self, request: pb.jobs.GetJobRequest, context: aio.ServicerContext) -> pb.jobs.Job:
        require(request.session_id, "session_id")
        require(request.job_id, "job_id")
        return await self.jobs.get(request.session_id, request.job_id)

    async def CancelJob(self, request: pb.jobs.CancelJobRequest, context: aio.ServicerContext) -> pb.jobs.Job:
        require(request.session_id, "session_id")
        require(request.job_id, "job_id")
        return await self.jobs.cancel(request.session_id, request.job_id)

    async def RegenerateJob(
        self, request: pb.jobs.RegenerateJobRequest, context: aio.ServicerContext
    ) -> pb.jobs.CreateJobResponse:
        require(request.session_id, "session_id")
        require(request.job_id, "job_id")
        return _created(await self.jobs.create_alternative(request.session_id, request.job_id, None, request.idempotency_key))

    async def EditJob(self, request: pb.jobs.EditJobRequest, context: aio.ServicerContext) -> pb.jobs.CreateJobResponse:
        require(request.session_id, "session_id")
        require(request.job_id, "job_id")
        return _created(
            await self.jobs.create_alternative(request.session_id, request.job_id, request.text, request.idempotency_key)
        )

    async def ListHistory(self, request: pb.jobs.ListHistoryRequest, context: aio.ServicerContext) -> pb.jobs.ListHistoryResponse:
        require(request.session_id, "session_id")
        return pb.jobs.ListHistoryResponse(jobs=await self.jobs.history(request.session_id, request.conversation_id))

    async def ClearSession(
        self, request: pb.jobs.ClearSessionRequest, context: aio.ServicerContext
    ) -> pb.jobs.ClearSessionResponse:
        require(request.session_id, "session_id")
        conversation_id, removed = await self.jobs.clear(request.session_id, request.conversation_id)
        if conversation_id:
            await self.context.ClearContext(pb.context.ClearContextRequest(session_id=conversation_id))
            remove_uploads(self.upload_dir, removed.files)
        return pb.jobs.ClearSessionResponse(cleared=len(removed.messages))

    async def WatchJob(self, request: pb.jobs.WatchJobRequest, context: aio.ServicerContext) -> AsyncIterator[pb.jobs.JobEvent]:
        require(request.session_id, "session_id")
        require(request.job_id, "job_id")
        if request.after_seq < 0:
            raise InvalidArgument("after_seq must not be negative")
        job_id = request.job_id
        seq = request.after_seq
        # Register for wake-ups before reading the log, so nothing falls between the two.
        async with self.hub.waiter(job_id) as waiter:
            events = await self._read(request.session_id, job_id, seq)  # NOT_FOUND for others' jobs
            while True:
                for event in events:
                    yield event
                    seq = event.seq
                    if event.HasField("status") and event.status.status in TERMINAL:
                        return
                try:
                    async with asyncio.timeout(REREAD_INTERVAL_S):
                        await waiter.woken.wait()
                except TimeoutError:
                    if not await self.store.exists(job_id):
                        # Expired, cleared, or lost with Redis: the record tells which.
                        events = await self._read(request.session_id, job_id, seq)
                        continue
                waiter.woken.clear()
                published = waiter.take_after(seq)
                if published is None:
                    events = await self.store.events_after(job_id, seq)
                else:
                    events = [decode_event(raw, event_seq, job_id) for event_seq, raw in published]

    async def _read(self, owner: str, job_id: str, after_seq: int) -> list[pb.jobs.JobEvent]:
        """The job's events after `after_seq`. A job Redis no longer holds is looked up in the
        record: an ended one gets its terminal event, an unfinished one is queued again."""
        holder, events = await self.store.read_events(job_id, after_seq)
        if holder:
            if holder != owner:
                raise NotFound(f"job {job_id} not found", ErrorCode.JOB_NOT_FOUND)
            return events
        job = await self.jobs.recover(owner, job_id)
        if job.status in TERMINAL:
            ending = pb.jobs.StatusChanged(status=job.status, error=job.error, job=job)
            return [pb.jobs.JobEvent(seq=restarted_seq0(), job_id=job_id, at_ms=job.updated_at_ms, status=ending)]
        return (await self.store.read_events(job_id, after_seq))[1]
