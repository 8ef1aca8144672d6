"""The error responses every route documents in the OpenAPI schema: one shape, ErrorOut."""

from __future__ import annotations

from gateway.schemas import ErrorOut

ERROR_DESCRIPTIONS = {
    400: "Bad request (e.g. an empty message or a malformed header)",
    401: "Not signed in, or a missing or invalid API key (with accounts, or with service keys configured)",
    403: "A cookie-authenticated write without its CSRF token or from another site; an action an API key cannot do",
    404: "Not found, or not this owner's (a job, a conversation, a key)",
    409: "Already exists (an account's email)",
    413: "Body, message or file too large",
    415: "Unsupported content type or file type",
    422: "The body does not match the schema",
    429: "Rate limit exceeded; see Retry-After",
    503: "A backend is temporarily unavailable; see Retry-After",
}
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut, "description": text} for code, text in ERROR_DESCRIPTIONS.items()
}
