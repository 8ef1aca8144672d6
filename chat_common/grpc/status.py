"""Error details on the wire: a `google.rpc.Status` with an `ErrorInfo`, in the trailing
metadata key that grpcio-status reads (`grpc-status-details-bin`)."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc import aio
from grpc_status import rpc_status

from chat_common.errors import ERROR_DOMAIN, ErrorCode

DETAILS_KEY = rpc_status.GRPC_DETAILS_METADATA_KEY


def status_with_reason(code: grpc.StatusCode, message: str, reason: ErrorCode) -> grpc.Status:
    """A grpc.Status whose details carry `reason` as an ErrorInfo; for `context.abort`."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason.reason, domain=ERROR_DOMAIN))
    return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=message, details=[info]))


def reason_of(error: aio.AioRpcError) -> ErrorCode | None:
    """The ErrorCode a failed call's status details carry, if any."""
    for key, value in error.trailing_metadata() or ():
        if key != DETAILS_KEY or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Is(info.DESCRIPTOR) and detail.Unpack(info) and info.domain == ERROR_DOMAIN:
                return ErrorCode.from_reason(info.reason)
    return None


def rpc_error(code: grpc.StatusCode, message: str, reason: ErrorCode | None) -> aio.AioRpcError:
    """The error a call would have raised, details included (for items of a batched call)."""
    trailing = aio.Metadata()
    if reason is not None:
        key, value = status_with_reason(code, message, reason).trailing_metadata[0]
        trailing.add(key, value)
    return aio.AioRpcError(code, aio.Metadata(), trailing, details=message)
