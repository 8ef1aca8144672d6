"""Sends the submits that queue up while a CreateJobs call is in flight in the next call.

Under load a submit's cost was mostly the gRPC call itself: `bench.submit` measures the bare
endpoint plus one unary call at about half the bare endpoint's throughput. One call now carries
every submit that arrived meanwhile; an idle gateway still sends each job alone, at once.
Each job keeps its request id, its trace context and its own outcome: an item's error reaches
its own request as the AioRpcError that CreateJob would have raised, so the HTTP mapping is
unchanged. A job service without CreateJobs (UNIMPLEMENTED, during a rolling upgrade) gets
CreateJob calls instead.
"""

from __future__ import annotations

import asyncio
import logging

import grpc
from grpc import aio
from opentelemetry import propagate

from chat_common import pb
from chat_common.errors import ErrorCode
from chat_common.grpc.status import rpc_error
from chat_common.logs import request_id_var
from chat_common.metrics import CREATE_BATCH_SIZE

log = logging.getLogger("gateway.batching")

_CODES = {code.value[0]: code for code in grpc.StatusCode}


def item_error(error: pb.jobs.ItemError) -> aio.AioRpcError:
    """The error CreateJob would have raised for this item."""
    code = _CODES.get(error.code, grpc.StatusCode.UNKNOWN)
    return rpc_error(code, error.message, ErrorCode.from_reason(error.reason) if error.reason else None)


def _retrieve(future: asyncio.Future[pb.jobs.CreateJobResponse]) -> None:
    if not future.cancelled():
        future.exception()


class JobBatcher:
    def __init__(
        self, jobs: pb.jobs_grpc.JobServiceStub, max_batch: int = 64, max_in_flight: int = 2, timeout_s: float = 3.0
    ) -> None:
        self.jobs = jobs
        self.max_batch = max_batch
        # A submit waits at most this long in all, queued behind calls in flight included.
        self.timeout_s = timeout_s
        # Two calls in flight keep the gateway and the job service busy at the same time.
        self.max_in_flight = max_in_flight
        self._pending: list[tuple[pb.jobs.BatchedCreateJob, asyncio.Future[pb.jobs.CreateJobResponse]]] = []
        self._senders: set[asyncio.Task[None]] = set()
        self._batching = True

    async def create(self, request: pb.jobs.CreateJobRequest) -> pb.jobs.CreateJobResponse:
        """CreateJob, sent together with whatever else is waiting."""
        if not self._batching:
            return await self.jobs.CreateJob(request)
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # the worker continues this request's trace
        item = pb.jobs.BatchedCreateJob(request=request, request_id=request_id_var.get(), trace_context=carrier)
        future: asyncio.Future[pb.jobs.CreateJobResponse] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if len(self._senders) < self.max_in_flight:
            sender = asyncio.create_task(self._send_pending(), name="create-jobs")
            self._senders.add(sender)
            sender.add_done_callback(self._senders.discard)
        try:
            # shield: the batch goes on for the others; a job created late is found again
            # by its Idempotency-Key when the client retries
            return await asyncio.wait_for(asyncio.shield(future), self.timeout_s)
        except TimeoutError:
            future.add_done_callback(_retrieve)  # its outcome, when it comes, has no reader
            raise aio.AioRpcError(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                aio.Metadata(),
                aio.Metadata(),
                details="the job service did not answer in time",
            ) from None

    async def _send_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                await self._send(batch)
            except BaseException as exc:
                failed = batch
                if isinstance(exc, asyncio.CancelledError):  # shutting down: nothing more is sent
                    failed, self._pending = batch + self._pending, []
                for _, future in failed:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise

    async def _send(self, batch: list[tuple[pb.jobs.BatchedCreateJob, asyncio.Future[pb.jobs.CreateJobResponse]]]) -> None:
        CREATE_BATCH_SIZE.observe(len(batch))
        try:
            reply = await self.jobs.CreateJobs(pb.jobs.CreateJobsRequest(items=[item for item, _ in batch]))
        except aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
            log.warning("the job service has no CreateJobs; sending jobs one by one")
            self._batching = False
            for item, future in batch:
                try:
                    result = await self.jobs.CreateJob(item.request)
                except aio.AioRpcError as item_exc:
                    if not future.done():
                        future.set_exception(item_exc)
                    continue
                if not future.done():
                    future.set_result(result)
            return
        for (_, future), outcome in zip(batch, reply.outcomes, strict=True):
            if future.done():
                continue  # its request went away; the job exists all the same
            if outcome.HasField("error"):
                future.set_exception(item_error(outcome.error))
            else:
                future.set_result(outcome.created)
