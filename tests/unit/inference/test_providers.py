"""Each provider against its fake server: the wire format it sends and what it makes of replies."""

from __future__ import annotations

import json

import pytest

from inference_service.providers.base import Attachment, Delta, Finished, Prompt, ProviderError, Turn
from inference_service.providers.deepai import DeepAIProvider
from inference_service.providers.errors import from_status
from inference_service.providers.gemini import GeminiProvider
from inference_service.providers.instant import InstantProvider
from inference_service.providers.openai_compat import OpenAICompatProvider
from inference_service.providers.registry import build_providers
from inference_service.settings import InferenceSettings
from tests.fakes import FakeDeepAI, FakeGemini, FakeOpenAI

PROMPT = Prompt(
    system="You are terse.",
    turns=[Turn("user", "Hi there"), Turn("assistant", "Hello!"), Turn("user", "What is in this picture?")],
    attachments=[Attachment("cat.png", "image/png", b"\x89PNG fake"), Attachment("notes.pdf", "application/pdf", b"%PDF")],
    max_output_tokens=64,
)


async def run(provider: object, prompt: Prompt = PROMPT) -> tuple[str, Finished]:
    chunks = [c async for c in provider.stream(prompt)]
    assert isinstance(chunks[-1], Finished)
    assert all(isinstance(c, Delta) for c in chunks[:-1])
    return "".join(c.text for c in chunks[:-1]), chunks[-1]


async def test_gemini_sends_the_real_wire_format(gemini: FakeGemini) -> None:
    provider = GeminiProvider(gemini.api_key, "gemini-2.5-flash", gemini.url, timeout_s=2)
    text, finished = await run(provider)
    await provider.aclose()

    assert text == gemini.text
    [call] = gemini.requests
    assert call.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert call.headers["x-goog-api-key"] == gemini.api_key
    body = json.loads(call.body)
    assert body["systemInstruction"]["parts"] == [{"text": "You are terse."}]
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    last_parts = body["contents"][-1]["parts"]
    assert last_parts[0]["inlineData"]["data"]  # the image, base64, before the question
    assert last_parts[-1] == {"text": "What is in this picture?"}
    assert len(last_parts) == 2  # the PDF is not an image: not sent
    assert body["generationConfig"]["maxOutputTokens"] == 64
    # Usage comes from usageMetadata of the last chunk.
    assert finished.usage.prompt_tokens == 8 and finished.usage.completion_tokens == 3
    assert finished.model == "gemini-2.5-flash"


async def test_gemini_without_key_is_skipped() -> None:
    assert not GeminiProvider("", "gemini-2.5-flash").available()
    assert GeminiProvider("k", "gemini-2.5-flash").available()


async def test_gemini_wrong_key_blames_the_setup_not_the_request(gemini: FakeGemini) -> None:
    provider = GeminiProvider("wrong-key", "gemini-2.5-flash", gemini.url, timeout_s=2)
    with pytest.raises(ProviderError) as caught:
        await run(provider)
    await provider.aclose()
    assert caught.value.status == 400 and not caught.value.retryable and caught.value.blames_provider


async def test_deepai_posts_the_flattened_conversation(deepai: FakeDeepAI) -> None:
    provider = DeepAIProvider(deepai.api_key, deepai.url, timeout_s=2)
    text, finished = await run(provider)
    await provider.aclose()
    assert text == deepai.output
    [call] = deepai.requests
    assert call.path == "/api/text-generator" and call.headers["api-key"] == deepai.api_key
    assert deepai.texts[0].startswith("You are terse.")
    assert deepai.texts[0].index("Hi there") < deepai.texts[0].index("What is in this picture?")
    assert finished.usage.total_tokens == 0  # DeepAI reports no counts


async def test_openai_compatible_streams_and_reads_usage(openai: FakeOpenAI) -> None:
    provider = OpenAICompatProvider(f"{openai.url}/v1", "tiny-model", "secret", timeout_s=2)
    text, finished = await run(provider)
    assert text == "".join(openai.chunks)
    assert finished.usage.completion_tokens == len(openai.chunks) and finished.usage.prompt_tokens == 7
    body = json.loads(openai.requests[0].body)
    assert body["stream"] is True and body["messages"][0] == {"role": "system", "content": "You are terse."}
    assert openai.requests[0].headers["authorization"] == "Bearer secret"

    openai.queue("cut", "401", "429")
    for retryable in (True, False, True):
        with pytest.raises(ProviderError) as caught:
            await run(provider)
        assert caught.value.retryable is retryable
    await provider.aclose()


def test_openai_needs_base_url_and_model() -> None:
    assert not OpenAICompatProvider("", "m").available()
    assert not OpenAICompatProvider("http://x/v1", "").available()
    assert OpenAICompatProvider("http://x/v1", "m").available()


async def test_instant_answers_at_once() -> None:
    text, finished = await run(InstantProvider("one two three"))
    assert text == "one two three" and finished.usage.completion_tokens == 3


@pytest.mark.parametrize(
    ("status", "retryable", "blames"),
    [
        (429, True, True),
        (500, True, True),
        (503, True, True),
        (408, True, True),
        (400, False, False),
        (401, False, True),
        (403, False, True),
        (404, False, False),
    ],
)
def test_status_classification(status: int, retryable: bool, blames: bool) -> None:
    error = from_status("x", status, "boom", {"retry-after": "2"})
    assert (error.retryable, error.blames_provider, error.retry_after) == (retryable, blames, 2.0)


def test_registry_builds_the_order_and_always_ends_with_a_fallback() -> None:
    settings = InferenceSettings(providers="gemini,openai,deepai,instant", gemini_api_key="", deepai_api_key="k")
    providers = build_providers(settings)
    assert [p.name for p in providers] == ["gemini", "openai", "deepai", "instant", "fallback"]
    assert [p.name for p in providers if p.available()] == ["deepai", "instant", "fallback"]
    assert providers[-1].is_fallback
    with pytest.raises(ValueError, match="unknown provider"):
        build_providers(InferenceSettings(providers="gemini,nope"))


def test_default_order_is_offline_friendly() -> None:
    settings = InferenceSettings(gemini_api_key="", deepai_api_key="")
    assert settings.provider_order == ["gemini", "deepai", "local", "fallback"]
    available = [p.name for p in build_providers(settings) if p.available()]
    assert available == ["local", "fallback"]  # no keys: the local model and the fallback


NOTED = Prompt(
    system="You are terse.",
    turns=[
        Turn("user", "Hi there"),
        Turn("system", "Known facts about the user:\nname: Ana"),
        Turn("assistant", "Hello!"),
        Turn("user", "What is my name?"),
    ],
    max_output_tokens=16,
)


async def test_notes_stay_in_place_for_a_chat_server(openai: FakeOpenAI) -> None:
    """A note among the turns (ROLE_SYSTEM) keeps its place: the prompt's start stays stable."""
    provider = OpenAICompatProvider(f"{openai.url}/v1", "tiny-model", timeout_s=2)
    await run(provider, NOTED)
    await provider.aclose()
    sent = json.loads(openai.requests[0].body)["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "system", "assistant", "user"]
    assert sent[2]["content"].endswith("name: Ana")


async def test_notes_join_the_system_text_for_gemini_and_deepai(gemini: FakeGemini, deepai: FakeDeepAI) -> None:
    """Gemini has one system instruction and roles user/model only; DeepAI takes plain text."""
    provider = GeminiProvider(gemini.api_key, "gemini-2.5-flash", gemini.url, timeout_s=2)
    await run(provider, NOTED)
    await provider.aclose()
    body = json.loads(gemini.requests[0].body)
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert "name: Ana" in body["systemInstruction"]["parts"][0]["text"]

    provider = DeepAIProvider(deepai.api_key, deepai.url, timeout_s=2)
    await run(provider, NOTED)
    await provider.aclose()
    assert deepai.texts[0].startswith("You are terse.") and "name: Ana" in deepai.texts[0].split("User:")[0]
