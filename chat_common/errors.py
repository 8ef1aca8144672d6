"""One error vocabulary for the whole suite.

Every error carries a stable machine-readable `ErrorCode` next to its human text. Services
raise the domain errors below; the gRPC error interceptor turns them into a status whose
details hold a `google.rpc.ErrorInfo` (reason = the code in upper case, domain `chat.v1`), and
the gateway maps reasons, never message text, to the REST body
`{"success": false, "error": "<human text>", "code": "<code>"}`.
"""

from __future__ import annotations

from enum import StrEnum

import grpc


class ErrorCode(StrEnum):
    # requests
    INVALID_REQUEST = "invalid_request"
    INVALID_ARGUMENT = "invalid_argument"
    MALFORMED_BODY = "malformed_body"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INVALID_SESSION = "invalid_session"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    INVALID_EVENT_ID = "invalid_event_id"
    INVALID_CURSOR = "invalid_cursor"
    MESSAGE_EMPTY = "message_empty"
    MESSAGE_TOO_LONG = "message_too_long"
    # uploads
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"
    UNSUPPORTED_TYPE = "unsupported_type"
    TYPE_MISMATCH = "type_mismatch"
    NOT_UTF8 = "not_utf8"
    MALFORMED_UPLOAD = "malformed_upload"
    MISSING_FILE_FIELD = "missing_file_field"
    # access and limits
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    # accounts
    UNAUTHENTICATED = "unauthenticated"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_API_KEY = "invalid_api_key"
    INVALID_EMAIL = "invalid_email"
    WEAK_PASSWORD = "weak_password"
    EMAIL_TAKEN = "email_taken"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    TOO_MANY_KEYS = "too_many_keys"
    CSRF_FAILED = "csrf_failed"
    ACCOUNTS_DISABLED = "accounts_disabled"
    API_KEY_NOT_FOUND = "api_key_not_found"
    SIGN_IN_REQUIRED = "sign_in_required"
    OIDC_FAILED = "oidc_failed"
    # things that are not there
    NOT_FOUND = "not_found"
    JOB_NOT_FOUND = "job_not_found"
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    FACT_NOT_FOUND = "fact_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # state that moved on
    BRANCH_CHANGED = "branch_changed"
    NOT_REGENERABLE = "not_regenerable"
    # the suite itself
    SERVICE_UNAVAILABLE = "service_unavailable"
    BACKEND_ERROR = "backend_error"
    INTERNAL = "internal_error"

    @property
    def reason(self) -> str:
        """The ErrorInfo reason: UPPER_SNAKE_CASE, as google.rpc.ErrorInfo asks."""
        return self.value.upper()

    @classmethod
    def from_reason(cls, reason: str) -> ErrorCode | None:
        try:
            return cls(reason.lower())
        except ValueError:
            return None


# google.rpc.ErrorInfo.domain of every error the suite raises.
ERROR_DOMAIN = "chat.v1"


class ServiceError(Exception):
    status: grpc.StatusCode = grpc.StatusCode.INTERNAL
    default_code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = code or self.default_code


class NotFound(ServiceError):
    status = grpc.StatusCode.NOT_FOUND
    default_code = ErrorCode.NOT_FOUND


class InvalidArgument(ServiceError):
    status = grpc.StatusCode.INVALID_ARGUMENT
    default_code = ErrorCode.INVALID_ARGUMENT


class FailedPrecondition(ServiceError):
    status = grpc.StatusCode.FAILED_PRECONDITION
    default_code = ErrorCode.BRANCH_CHANGED


class Unavailable(ServiceError):
    status = grpc.StatusCode.UNAVAILABLE
    default_code = ErrorCode.SERVICE_UNAVAILABLE


def require(value: str, name: str) -> None:
    """INVALID_ARGUMENT unless a required request field is set."""
    if not value:
        raise InvalidArgument(f"{name} is required")
