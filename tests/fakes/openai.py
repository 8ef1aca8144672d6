"""A fake OpenAI-compatible server: POST /v1/chat/completions with stream=true (SSE)."""

from __future__ import annotations

import json

from tests.fakes.base import Behaviour, FakeServer, Handler, sleep_briefly


class FakeOpenAI(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.chunks = ["Hello", " from", " an", " OpenAI-compatible", " server."]
        self.cut_after = 2

    def handle(self, handler: Handler, behaviour: Behaviour, body: bytes) -> None:
        if handler.path != "/v1/chat/completions":
            handler.send_json(404, {"error": {"message": "not found"}})
            return
        if behaviour in ("429", "500", "401", "400"):
            handler.send_json(int(behaviour), {"error": {"message": f"fake failure {behaviour}", "code": behaviour}})
            return
        if behaviour == "hang":
            self.hang()
            return
        request = json.loads(body)
        model = request["model"]
        handler.start_chunked("text/event-stream")

        def event(payload: object) -> None:
            handler.write_chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

        for index, chunk in enumerate(self.chunks):
            if behaviour == "cut" and index == self.cut_after:
                handler.abort()
                return
            event(
                {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "model": model,
                    "choices": [{"index": 0, "delta": {"content": chunk}, "finish_reason": None}],
                }
            )
            sleep_briefly()
        event(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
        )
        if request.get("stream_options", {}).get("include_usage"):
            event(
                {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "model": model,
                    "choices": [],
                    "usage": {"prompt_tokens": 7, "completion_tokens": len(self.chunks), "total_tokens": 7 + len(self.chunks)},
                }
            )
        handler.write_chunk(b"data: [DONE]\n\n")
        handler.end_chunked()
