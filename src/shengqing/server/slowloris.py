"""Closing connections that never finish sending their request headers (slowloris).

uvicorn times out idle keep-alive connections but not a client that connects and then sends its headers
a byte at a time, or nothing at all: each such connection is held forever. This HTTP protocol (uvicorn's
h11 one, plus a timer) closes a connection whose request headers are not complete ``header_timeout``
seconds after it opened or after the first byte of its next request. Bodies are not affected: once the
headers are in, the request's own ``timeout`` and limits apply.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("shengqing.server")

#: seconds a client has to send complete request headers (set from the settings by ``create_app``)
HEADER_TIMEOUT = 10.0
PROTOCOL = f"{__name__}:HeaderTimeoutProtocol"  # for uvicorn's ``http=`` (importable in worker processes)


def configure(header_timeout: float) -> None:
    global HEADER_TIMEOUT
    HEADER_TIMEOUT = header_timeout


class HeaderTimeoutProtocol(H11Protocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # headers not complete yet
            if self._header_timer is None:
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.info("closed a connection from %s: no complete request headers within %g s",
                     self.client[0] if self.client else "?", HEADER_TIMEOUT)
            self.transport.close()
