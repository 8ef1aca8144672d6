"""Privacy: message and file contents never reach any log, and the redaction filter works.

The end-to-end test runs its own suite at LOG_LEVEL=DEBUG, so that content logged at any
level by any service (or library) is caught.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chat_common import logs
from suite.processes import Suite
from tests.security.conftest import UNTHROTTLED, start_suite
from tests.security.helpers import new_session, upload, wait_done

EMAIL = "zelda.privacy-test@example.org"
PHONE = "+1 (415) 555-0199"
CARD = "4111 1111 1111 1111"
API_KEY = "sk-test0PRIVACY0abcdef1234567890XYZ"
MARKER = "The purple giraffe whispers at midnight 7c3e9a"
FILE_MARKER = "Ledger of the violet walrus 5d81be"
PLANTED = {
    "email": EMAIL,
    "phone": PHONE,
    "phone digits": "555-0199",
    "card": CARD,
    "card digits": CARD.replace(" ", ""),
    "api key": API_KEY,
    "marker": MARKER,
    "file marker": FILE_MARKER,
    "file name": "zelda-ledger-3f9",
}
PII_TEXT = f"Hi, I am Zelda. Mail me at {EMAIL} or call {PHONE}. My card is {CARD} and my key is {API_KEY}. {MARKER}."


@pytest.fixture(scope="module")
def debug_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    suite = start_suite(tmp_path_factory.mktemp("privacy"), LOG_LEVEL="DEBUG", **UNTHROTTLED)
    yield suite
    suite.stop()


def test_no_planted_content_in_any_log(debug_suite: Suite) -> None:
    headers = new_session()
    with httpx.Client(base_url=debug_suite.base_url, timeout=30, headers=headers) as c:
        jobs = [c.post("/messages", json={"text": PII_TEXT}).json()["job_id"]]
        jobs.append(c.post("/messages", json={"text": f"Remember: {MARKER}. Email {EMAIL}"}).json()["job_id"])
        content = f"{FILE_MARKER}\nname,email,phone,card\nZelda,{EMAIL},{PHONE},{CARD}\nkey={API_KEY}\n{MARKER}\n"
        filed = upload(c, "zelda-ledger-3f9.csv", content.encode())
        assert filed.status_code == 202, filed.text
        jobs.append(filed.json()["job_id"])
        # Failure paths too: a file that cannot be analysed, and rejected requests carrying the content.
        broken = upload(c, "zelda-ledger-3f9.pdf", b"%PDF-1.7\n" + content.encode() + b"\x00garbage")
        jobs.append(broken.json()["job_id"])
        assert c.post("/messages", json={"text": PII_TEXT * 200}).status_code == 413
        assert c.post("/messages", content=PII_TEXT.encode(), headers={"content-type": "text/plain"}).status_code == 415
        assert c.post("/messages", json={"text": [PII_TEXT]}).status_code == 422
        assert upload(c, "zelda-ledger-3f9.txt", b"\x00" + content.encode()).status_code == 415
        finished = [wait_done(c, job_id) for job_id in jobs]
        assert [j["status"] for j in finished] == ["done", "done", "done", "error"]
        assert c.get(f"/messages/{jobs[0]}/events").status_code == 200
        assert c.get("/chat/profile").status_code == 200
    log_files = sorted((debug_suite.data_dir / "logs").glob("*.log"))
    assert {p.stem for p in log_files} >= {"gateway", "job_service", "context_service", "inference_service"}
    assert all(p.stat().st_size > 0 for p in log_files)
    leaks = []
    for path in log_files:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for what, planted in PLANTED.items():
                if planted.lower() in line.lower():
                    leaks.append(f"{path.name}:{number}: {what}: {line[:300]}")
    assert not leaks, "content reached the logs:\n" + "\n".join(leaks)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The real logging set-up (JSON lines, every filter) writing into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()
    logs.setup_logging("test", "DEBUG", "json")
    root.handlers[0].stream = buffer
    yield buffer
    root.handlers[:], _ = saved[0], root.setLevel(saved[1])


def _records(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


SECRETS = [
    EMAIL,
    PHONE,
    "+44 20 7946 0958",
    "415-555-0199",
    CARD,
    "4111-1111-1111-1111",
    CARD.replace(" ", ""),
    API_KEY,
    "AIzaSyA1234567890abcdefghijklmnop",
    "sk_live_abcdefghijklmnop1234",
    "ghp_abcdefghijklmnopqrstuvwxyz0123",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_filter_redacts_message_args_extra_and_exceptions(captured: io.StringIO, secret: str) -> None:
    log = logging.getLogger("tests.security.privacy")
    log.info("user wrote %s", secret)
    log.info(f"inline {secret}")
    log.warning("with extra", extra={"detail": secret, "nested": {"list": [secret]}, "count": 3})
    try:
        raise ValueError(f"failed on {secret}")
    except ValueError:
        log.exception("boom %s", secret)
    log.error("stack", stack_info=True, extra={"raw": secret.encode()})
    text = captured.getvalue()
    assert secret not in text
    records = _records(captured)
    assert len(records) == 5
    assert all("REDACTED" in r["message"] for r in records[:2])
    assert "REDACTED" in records[2]["detail"] and "REDACTED" in records[2]["nested"]["list"][0]
    assert records[2]["count"] == 3
    assert "ValueError" in records[3]["exc_info"] and "REDACTED" in records[3]["exc_info"]
    assert "REDACTED" in records[4]["raw"]


def test_filter_covers_every_logger_and_keeps_ids(captured: io.StringIO) -> None:
    logs.job_id_var.set("0123456789abcdef0123456789abcdef")
    for name in ("uvicorn.error", "grpc", "gateway.messages", "job_service.worker", "some.library"):
        logging.getLogger(name).warning("contact %s", EMAIL)
    records = _records(captured)
    assert len(records) == 5 and all(r["message"] == "contact [REDACTED-EMAIL]" for r in records)
    assert all(r["job_id"] == "0123456789abcdef0123456789abcdef" for r in records)


def test_filter_survives_a_broken_log_call(captured: io.StringIO) -> None:
    logging.getLogger("tests").info("two %s %s", EMAIL)  # one argument short
    (record,) = _records(captured)
    assert EMAIL not in captured.getvalue() and "arguments dropped" in record["message"]


def test_harmless_text_is_left_alone() -> None:
    text = "job 3f2a9c0d1e4b5a6978695a4b3c2d1e0f done in 1234 ms on port 50051 (attempt 2 of 3)"
    assert logs.redact(text) == text


def test_redaction_is_applied_to_files_on_disk(tmp_path: Path) -> None:
    """Guards the test above: the planted strings are what the redaction would catch."""
    for what in ("email", "phone", "card", "api key"):
        assert PLANTED[what] not in logs.redact(PII_TEXT)
