"""How a request ends when it cannot end normally: at shutdown, or when a stream breaks.

On SIGTERM uvicorn stops accepting connections and waits up to ``shutdown_grace`` seconds for the requests
in flight; the ones still running then are cancelled. Without this middleware uvicorn answers them with a
``text/plain`` 500 and logs a traceback each. Here a cancelled request that has not started its response
gets a JSON 503 (``shutting_down`` + ``Retry-After``, the client retries on another instance), and a
response already under way — a stream cut by shutdown or broken by an error — is ended without its final
chunk, so the client sees a truncated transfer instead of a clean end it would take for the whole audio.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ShuttingDownError, error_response
from .streaming import StreamAborted

log = logging.getLogger("shengqing.server")


class EndingMiddleware:
    """Turns shutdown cancellation into 503 JSON and aborts broken streams (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except asyncio.CancelledError:
            if started:
                log.warning("%s %s cut by the shutdown after its grace period", scope.get("method"),
                            scope.get("path"))
                return  # no final chunk: the client can tell the response is incomplete
            log.warning("%s %s answered 503: the shutdown grace period ran out", scope.get("method"),
                        scope.get("path"))
            response = error_response(ShuttingDownError(
                "the server is shutting down and could not finish this request in time", retry_after=1,
                hint="retry; another instance will answer"))
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
        except StreamAborted:
            if not started:
                raise
            return  # logged where it happened; ending here leaves the chunked encoding unterminated
