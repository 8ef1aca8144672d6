"""Every Redis key the job service uses, in one place."""

from chat_common.redis_client import tagged

QUEUE = "jobs:queue"  # stream of job ids to process
GROUP = "workers"  # consumer group of the queue
DEAD_LETTER = "jobs:dead"  # stream of jobs that failed every attempt
ACTIVE = "jobs:active"  # zset: unfinished job id -> last progress (ms)


def job(job_id: str) -> str:
    return tagged("job", job_id)


def events(job_id: str) -> str:
    return tagged("job", job_id, "events")


def wake_channel(job_id: str) -> str:
    return tagged("job", job_id, "wake")
