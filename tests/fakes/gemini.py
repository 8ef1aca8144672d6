"""A fake Gemini API (v1beta): generateContent, streamGenerateContent?alt=sse, countTokens."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from tests.fakes.base import Behaviour, FakeServer, Handler

# The real API serves both versions; the SDK's default moved from v1beta to v1 in 3.x.
_PATH = re.compile(r"^/(?P<version>v1beta|v1)/models/(?P<model>[^:/?]+):(?P<method>\w+)(?:\?(?P<query>.*))?$")

_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def error_body(code: int, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": _STATUS.get(code, "UNKNOWN")}}


class FakeGemini(FakeServer):
    def __init__(self, api_key: str = "test-gemini-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.chunks = ["Hello", " from", " Gemini."]
        self.cut_after = 2  # chunks sent before a "cut"

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.requests if r.body]

    def _response(self, model: str, parts: list[str], finish: str | None, prompt_tokens: int) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": [{"text": p} for p in parts], "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        completion = sum(len(p.split()) for p in parts)
        return {
            "candidates": [candidate],
            "usageMetadata": {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": completion,
                "totalTokenCount": prompt_tokens + completion,
            },
            "modelVersion": model,
            "responseId": "fake-response",
        }

    def handle(self, handler: Handler, behaviour: Behaviour, body: bytes) -> None:
        match = _PATH.match(handler.path)
        if match is None:
            handler.send_json(404, error_body(404, f"no route {handler.path}"))
            return
        if handler.headers.get("x-goog-api-key") != self.api_key:
            # What the real API says for a wrong key: 400, not 401.
            handler.send_json(400, error_body(400, "API key not valid. Please pass a valid API key."))
            return
        model, method = match["model"], match["method"]
        request = json.loads(body or b"{}")
        prompt_tokens = sum(len(part.get("text", "").split()) for c in request.get("contents", []) for part in c.get("parts", []))
        if behaviour in ("429", "500", "503", "401", "400"):
            code = int(behaviour)
            headers = {"Retry-After": "0"} if code == 429 else None
            handler.send_json(code, error_body(code, f"fake failure {code}"), headers)
            return
        if behaviour == "hang":
            self.hang()
            return
        if method == "countTokens":
            handler.send_json(200, {"totalTokens": prompt_tokens})
        elif method == "generateContent":
            if behaviour == "malformed":
                handler.send_raw(200, b"{not json", "application/json")
            else:
                handler.send_json(200, self._response(model, self.chunks, "STOP", prompt_tokens))
        elif method == "streamGenerateContent":
            self._stream(handler, behaviour, model, prompt_tokens)
        else:
            handler.send_json(404, error_body(404, f"unknown method {method}"))

    def _stream(self, handler: Handler, behaviour: Behaviour, model: str, prompt_tokens: int) -> None:
        handler.start_chunked("text/event-stream")

        def event(payload: Any) -> None:
            handler.write_chunk(b"data: " + json.dumps(payload).encode() + b"\r\n\r\n")

        if behaviour == "malformed":
            handler.write_chunk(b'data: {"candidates": [{"content": \r\n\r\n')
            handler.end_chunked()
            return
        if behaviour == "blocked":
            event({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": prompt_tokens}})
            handler.end_chunked()
            return
        sent: list[str] = []
        for index, chunk in enumerate(self.chunks):
            if behaviour in ("cut", "truncate") and index == self.cut_after:
                if behaviour == "cut":
                    handler.abort()  # no terminating chunk: a broken stream
                else:
                    handler.end_chunked()  # a clean end, but no finishReason
                return
            last = index == len(self.chunks) - 1
            finish = ("SAFETY" if behaviour == "safety" else "STOP") if last else None
            sent.append(chunk)
            event(
                self._response(model, [chunk], finish, prompt_tokens)
                | {
                    "usageMetadata": {
                        "promptTokenCount": prompt_tokens,
                        "candidatesTokenCount": len(sent),
                        "totalTokenCount": prompt_tokens + len(sent),
                    }
                }
            )
            time.sleep(self.chunk_delay_s)
        handler.end_chunked()
