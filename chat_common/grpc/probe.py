"""A gRPC health probe for container healthchecks (grpc_health_probe is a download; this is not).

python -m chat_common.grpc.probe HOST:PORT [SERVICE]   -> exit 0 when SERVING
"""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write("usage: python -m chat_common.grpc.probe HOST:PORT [SERVICE]\n")
        return 2
    service = argv[2] if len(argv) > 2 else ""
    with grpc.insecure_channel(argv[1]) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=3)
        except grpc.RpcError as exc:
            sys.stderr.write(f"unhealthy: {exc.code().name}\n")
            return 1
    serving = reply.status == health_pb2.HealthCheckResponse.SERVING
    return 0 if serving else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
