"""The cache back ends and keys, in-process (no server)."""

from __future__ import annotations

import asyncio

from shengqing.server.cache import CachedAudio, MemoryCache, cache_key


def entry(size: int) -> CachedAudio:
    return CachedAudio(data=b"x" * size, duration=1.0, synthesis_seconds=0.1, kernels="fast")


def test_memory_cache_is_an_lru_bounded_by_bytes() -> None:
    async def scenario() -> None:
        cache = MemoryCache(max_bytes=1000)
        for key in "abc":
            await cache.put(key, entry(300))
        assert await cache.get("a") is not None  # a is now the most recent
        await cache.put("d", entry(300))  # over budget: evicts b, the least recently used
        assert await cache.get("b") is None
        assert {k for k in "acd" if cache.get_now(k)} == {"a", "c", "d"}
        assert cache.size == 900
        await cache.put("huge", entry(600))  # over half the budget: not kept
        assert await cache.get("huge") is None

    asyncio.run(scenario())


def test_pack_round_trip_and_garbage() -> None:
    item = entry(10)
    assert CachedAudio.unpack(item.pack()) == item
    assert CachedAudio.unpack(b"garbage") is None


def test_key_covers_everything_that_decides_the_bytes() -> None:
    base = {"text": "你好", "options": {"speed": 1.0}, "format": "wav", "voice": "baker", "ssml": False}
    key = cache_key(base, fingerprint="m", version="1", kernels="fast")
    assert key == cache_key(dict(reversed(base.items())), fingerprint="m", version="1", kernels="fast")
    variants = [
        cache_key({**base, "format": "mp3"}, fingerprint="m", version="1", kernels="fast"),
        cache_key(base, fingerprint="n", version="1", kernels="fast"),
        cache_key(base, fingerprint="m", version="2", kernels="fast"),
        cache_key(base, fingerprint="m", version="1", kernels="reference"),
    ]
    assert len({key, *variants}) == 5
