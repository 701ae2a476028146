"""Fixtures for the consistency tests (helpers in ``verify_helpers.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from verify_helpers import ServerProcess, StandIn, server_available


@pytest.fixture
def stand_in(engine: Any) -> Iterator[Callable[..., StandIn]]:
    """Factory of stand-in servers on random loopback ports, all shut down after the test."""
    servers: list[StandIn] = []

    def make(**kwargs: Any) -> StandIn:
        kwargs.setdefault("engine", engine)
        server = StandIn(**kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def reference_engine(installed_model: Any) -> Iterator[Any]:
    from shengqing import Synthesizer

    with Synthesizer(model=installed_model, kernels="reference", threads=2) as synth:
        yield synth


@pytest.fixture
def real_server() -> Iterator[Callable[..., ServerProcess]]:
    """Factory of real server processes (skips when the server is not part of this build)."""
    if not server_available():
        pytest.skip("shengqing.server / `shengqing serve` is not importable in this build yet")
    servers: list[ServerProcess] = []

    def make(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(*args, env=env)
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.close()

