"""The REST gateway: translates REST to gRPC, streams job events as SSE, serves the web UI."""
