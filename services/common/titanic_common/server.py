"""Run a service under uvicorn with its settings; the console scripts call this."""

from __future__ import annotations

import uvicorn

from titanic_common.logging import configure_logging
from titanic_common.settings import CommonSettings


def serve(app_path: str, service: str, settings: CommonSettings, port: int) -> None:
    """Start uvicorn on BIND_HOST:port with JSON logs; blocks until stopped."""
    configure_logging(service, settings.LOG_LEVEL)
    uvicorn.run(
        app_path,
        factory=True,
        host=settings.BIND_HOST,
        port=port,
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
