"""Titles by the model: the first exchange of a conversation answered by a real provider names
it, in a few words, unless the user has named it (until then, its first words do)."""

from __future__ import annotations

import asyncio
import logging
import re

from chat_common import pb

log = logging.getLogger("job_service.titles")

INSTRUCTION = (
    "You name conversations. Reply with a short title of at most six words for the conversation "
    "below: no quotes, no final punctuation, nothing else."
)
MAX_TITLE_CHARS = 80
_EDGES = re.compile(r"""^[\s"'“”‘’*#`:-]+|[\s"'“”‘’*#`.:!-]+$""")


def clean(raw: str) -> str:
    """The title from a model's answer: its first line, without quotes, marks or "Title:"."""
    line = next((part for part in raw.strip().splitlines() if part.strip()), "")
    line = re.sub(r"(?i)^\s*title\s*:\s*", "", line)
    title = _EDGES.sub("", " ".join(line.split()))
    return title[:MAX_TITLE_CHARS].rstrip()


def title_request(job: pb.jobs.Job, reply: str) -> pb.inference.GenerateRequest:
    exchange = f"User: {job.text[:600]}\nAssistant: {reply[:600]}"
    return pb.inference.GenerateRequest(
        system_instruction=INSTRUCTION,
        messages=[pb.common.ChatMessage(role=pb.common.ROLE_USER, content=exchange)],
        max_output_tokens=24,
        request_id=f"{job.id}-title",
    )


async def title_by_model(
    inference: pb.inference_grpc.InferenceServiceStub, job: pb.jobs.Job, reply: str, timeout_s: float
) -> str:
    """The model's title for the exchange; "" when no real provider answered in time."""
    parts: list[str] = []
    try:
        async with asyncio.timeout(timeout_s):
            async for message in inference.Generate(title_request(job, reply), timeout=timeout_s):
                kind = message.WhichOneof("event")
                if kind == "delta":
                    parts.append(message.delta)
                elif kind == "restart":
                    parts.clear()
                elif kind == "done" and message.done.fallback:
                    return ""
    except (TimeoutError, Exception) as exc:  # noqa: BLE001 - a title is a nicety: keep the first words
        log.info("no title from the model (%s)", type(exc).__name__)
        return ""
    return clean("".join(parts))
