"""Prometheus metrics of the suite, defined once so every service names them alike.

Each gRPC service exposes them on its own METRICS_PORT; the gateway on /metrics.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger("chat_common.metrics")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

RPC_LATENCY = Histogram("chat_rpc_duration_seconds", "gRPC server handling time", ["method", "code"], buckets=LATENCY_BUCKETS)
HTTP_LATENCY = Histogram(
    "chat_http_request_duration_seconds",
    "Gateway request handling time (to the first byte for streams)",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
JOBS_CREATED = Counter("chat_jobs_created_total", "Jobs accepted", ["kind"])
CREATE_BATCH_SIZE = Histogram(
    "chat_create_batch_size", "Jobs per CreateJobs call a gateway sent", buckets=(1, 2, 4, 8, 16, 32, 64, 128)
)
JOBS_FINISHED = Counter("chat_jobs_finished_total", "Jobs ended, by final status", ["status"])
JOB_RETRIES = Counter("chat_job_retries_total", "Job attempts that failed and were queued again")
JOBS_DEAD_LETTERED = Counter("chat_jobs_dead_lettered_total", "Jobs moved to the dead-letter stream")
QUEUE_DEPTH = Gauge("chat_queue_depth", "Entries in the job stream (waiting or in flight)")
QUEUE_PENDING = Gauge("chat_queue_pending", "Entries claimed by a worker and not yet acknowledged")
JOB_DURATION = Histogram("chat_job_duration_seconds", "Time from claim to the end of a job", buckets=LATENCY_BUCKETS)
TIME_TO_FIRST_TOKEN = Histogram(
    "chat_time_to_first_token_seconds", "Time from claim to the first reply token", buckets=LATENCY_BUCKETS
)
PROVIDER_CALLS = Counter("chat_provider_calls_total", "Provider attempts, by outcome", ["provider", "outcome"])
PROVIDER_COOLDOWNS = Counter("chat_provider_cooldowns_total", "Times a provider was put in cooldown", ["provider"])
CONTEXT_TOKENS_SAVED = Counter(
    "chat_context_tokens_saved_total", "History tokens left out of built contexts (full history minus context)"
)
CONTEXT_REDUCTION = Histogram(
    "chat_context_reduction_ratio",
    "1 - context tokens / full history tokens",
    buckets=(0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1),
)


def serve_metrics(port: int) -> None:
    """Exposes this process's metrics on http://0.0.0.0:port/metrics (0 disables)."""
    if port:
        start_http_server(port)
        log.info("metrics on port %d", port)
