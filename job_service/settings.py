from __future__ import annotations

from pydantic import Field, model_validator

from chat_common.database import DatabaseSettings
from chat_common.settings import ServiceSettings

CLUSTER_QUEUE_SHARDS = 6  # two per primary of the smallest cluster with replicas (3 + 3)


class JobSettings(ServiceSettings, DatabaseSettings):
    """JobService settings (environment variables of the same names, upper-case)."""

    # host:port to listen on; defaults to the port of JOB_SERVICE_ADDR on every interface.
    job_bind: str = ""
    # Concurrent jobs per process; 0 runs the API without workers.
    job_workers: int = 4
    # Streams the queue is split into (job_service/keys.py): 1, or in a Redis Cluster 6 unless
    # set, so the queue spreads over its primaries. Every process must use the same number.
    job_queue_shards: int = Field(default=1, ge=1, le=1024)
    # A claimed job whose worker stops heart-beating is reclaimed after this many seconds.
    job_visibility_timeout_s: float = 30.0
    # After this many attempts a job goes to the dead-letter stream and ends in ERROR.
    job_max_attempts: int = 3
    # Overall deadline of one attempt: context, generation and completion.
    job_deadline_s: float = 120.0
    # Jobs with no progress for this long are ended by the reaper.
    job_stuck_after_s: float = 600.0
    job_reaper_interval_s: float = 15.0
    # How often the jobs in flight are checked for a stop request (one read per process).
    job_stop_poll_s: float = 0.25
    # One attempt of BuildContext or AppendTurn (normally milliseconds); one that times out is
    # retried with backoff (base, doubling to max, with jitter) within the job's deadline.
    context_call_timeout_s: float = 5.0
    rpc_retry_backoff_base_s: float = 0.1
    rpc_retry_backoff_max_s: float = 2.0
    # Silence limits of the inference stream: its first event (the providers get 30 s each
    # for a first token, then the next one takes over), then between two events. A stream
    # that goes silent longer is a hung inference service: the attempt is retried.
    inference_first_event_timeout_s: float = 60.0
    inference_idle_timeout_s: float = 30.0
    # A worker's write to Redis (an event, the job's ending) that times out or finds Redis
    # down is retried for this long (checked first, so it runs once); so is the record of a
    # job's ending in PostgreSQL.
    job_write_retry_s: float = 30.0
    # How often the record is compared with Redis, to queue again what Redis lost, and the age
    # below which an unfinished message is left alone (it is queued a moment after it is recorded).
    job_sweep_interval_s: float = 10.0
    job_sweep_grace_s: float = 5.0
    # The first exchange of a conversation answered by a real provider is named by the model
    # (in the background, after its reply), within this many seconds; 0 keeps the first words.
    job_title_timeout_s: float = 30.0
    # Token budget for the context of each reply; 0 leaves it to the context service.
    context_token_budget: int = 0
    # Uploads read at once per process, each in a sandboxed child (job_service/files/): its
    # wall-clock limit (before, not within, the job's deadline: OCR takes ~4 s a scanned page
    # on 2 cores, so the 20 pages FILE_MAX_OCR_PAGES allows take ~90 s), CPU seconds, and
    # address space.
    file_readers: int = 2
    file_read_timeout_s: float = 300.0
    file_cpu_limit_s: int = 300
    file_memory_limit_mb: int = 3072
    # Where the gateway stores uploads (shared volume in containers).
    upload_dir: str = "data/uploads"
    # A finished job's hash and event log leave Redis this many seconds after its ending is
    # recorded in PostgreSQL (0 keeps them). Later reads come from the record.
    job_ttl_s: int = 86_400

    @model_validator(mode="after")
    def _shards_for_a_cluster(self) -> JobSettings:
        if self.redis_mode == "cluster" and "job_queue_shards" not in self.model_fields_set:
            self.job_queue_shards = CLUSTER_QUEUE_SHARDS
        return self

    @property
    def bind(self) -> str:
        return self.job_bind or f"[::]:{self.job_service_addr.rsplit(':', 1)[1]}"
