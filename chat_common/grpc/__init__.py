"""gRPC plumbing shared by every service: server start-up, client channels, interceptors."""
