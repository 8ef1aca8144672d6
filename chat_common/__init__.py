"""Code every service of the suite shares: stubs, settings, logging, Redis and gRPC helpers."""
