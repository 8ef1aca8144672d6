"""The error responses every route documents in the OpenAPI schema: one shape, ErrorOut."""

from __future__ import annotations

from gateway.schemas import ErrorOut

ERROR_DESCRIPTIONS = {
    400: "Bad request (e.g. an empty message or a malformed header)",
    401: "Missing or invalid API key (only when API keys are configured)",
    404: "Not found, or not a job of this session",
    413: "Body, message or file too large",
    415: "Unsupported content type or file type",
    422: "The body does not match the schema",
    429: "Rate limit exceeded; see Retry-After",
    503: "A backend is temporarily unavailable; see Retry-After",
}
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut, "description": text} for code, text in ERROR_DESCRIPTIONS.items()
}
