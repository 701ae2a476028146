"""A hung Redis (accepts connections, never answers) costs little, and only until the breaker opens."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator

import pytest

from shengqing.server.cache import CachedAudio, RedisCache


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A TCP port that accepts connections (the kernel's backlog) and never answers a byte."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def test_a_hung_redis_is_skipped_once_the_breaker_opens(
    hung_redis: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> tuple[float, list[float]]:
        cache = RedisCache(hung_redis, ttl=60)
        try:
            start = time.perf_counter()
            assert await cache.get("a") is None
            first = time.perf_counter() - start
            costs = []
            for index in range(50):
                start = time.perf_counter()
                assert await cache.get(f"k{index}") is None
                await cache.put(f"k{index}", CachedAudio(b"x", 1.0, 0.1, "fast"))
                costs.append(time.perf_counter() - start)
            return first, costs
        finally:
            await cache.close()

    with caplog.at_level(logging.WARNING, logger="shengqing.server"):
        first, costs = asyncio.run(scenario())
    assert first < 1.0  # one bounded attempt, not two 2-second socket timeouts
    assert max(costs) < 0.05, f"a request paid {max(costs):.3f} s for an open breaker"
    warnings = [r for r in caplog.records if "redis" in r.getMessage()]
    assert len(warnings) == 1  # rate-limited: one report for the whole outage so far


def test_the_breaker_probes_again_and_reports_again() -> None:
    from shengqing.server.cache import Breaker

    breaker = Breaker(cooldown=0.05, max_cooldown=0.2, log_every=0.0)
    assert breaker.allow()
    breaker.failure(OSError("down"))
    assert not breaker.allow() and breaker.open
    time.sleep(0.06)
    assert breaker.allow()  # one probe after the cooldown...
    assert not breaker.allow()  # ...and only one
    breaker.success()
    assert breaker.allow() and not breaker.open
