"""Runs the gateway with uvicorn."""

from __future__ import annotations

import uvicorn

from chat_common.logs import setup_logging
from chat_common.tracing import setup_tracing
from gateway.app import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    setup_logging("gateway", settings.log_level, settings.log_format)
    setup_tracing("gateway")
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        # The client IP (per-IP rate limits) comes from X-Forwarded-For only behind a trusted proxy.
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or None,
    )


if __name__ == "__main__":
    main()
