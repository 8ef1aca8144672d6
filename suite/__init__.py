"""Runs the whole suite on one machine: Redis, the three gRPC services and the gateway."""
