"""A fake DeepAI text generator: POST /api/text-generator, form field `text`, header `api-key`."""

from __future__ import annotations

import urllib.parse
from email.parser import BytesParser
from email.policy import HTTP

from tests.fakes.base import Behaviour, FakeServer, Handler


def form_text(content_type: str, body: bytes) -> str:
    """The `text` field of a urlencoded or multipart form."""
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "text":
                return part.get_content()
        return ""
    return urllib.parse.parse_qs(body.decode()).get("text", [""])[0]


class FakeDeepAI(FakeServer):
    def __init__(self, api_key: str = "test-deepai-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.output = "Hello from DeepAI."
        self.texts: list[str] = []

    def handle(self, handler: Handler, behaviour: Behaviour, body: bytes) -> None:
        if handler.path != "/api/text-generator":
            handler.send_json(404, {"status": "not found"})
            return
        if handler.headers.get("api-key") != self.api_key:
            handler.send_json(401, {"status": "Please pass a valid Api-Key in a HTTP header called 'Api-Key'"})
            return
        if behaviour in ("429", "500", "503", "401", "400"):
            handler.send_json(int(behaviour), {"status": f"fake failure {behaviour}"})
            return
        if behaviour == "hang":
            self.hang()
            return
        text = form_text(handler.headers.get("Content-Type", ""), body)
        self.texts.append(text)
        if behaviour == "malformed":
            handler.send_raw(200, b'{"id": "x", "outp', "application/json")
        elif behaviour == "cut":
            # Promise a longer body than is sent, then drop the connection.
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "200")
            handler.end_headers()
            handler.wfile.write(b'{"id": "x", "output": "Hel')
            handler.abort()
        elif not text:
            handler.send_json(400, {"status": "text is required"})
        else:
            handler.send_json(200, {"id": "fake-deepai-id", "output": self.output})
