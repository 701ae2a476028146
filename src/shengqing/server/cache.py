"""Response cache: synthesis is deterministic, so the encoded bytes of a request can be reused.

The key is the sha256 of the canonical request (text, every option, format, voice, SSML flag), the model
fingerprint, the package version and the kernel mode; it doubles as the ``ETag``. Two back ends share one
interface: an in-process LRU bounded by bytes (default) and Redis (``SHENGQING_CACHE_URL=redis://…``), which
several server processes or machines can share. A Redis outage never fails a request: it is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("shengqing.server")

_MAGIC = b"SQC1"


@dataclass(frozen=True)
class CachedAudio:
    """Encoded audio plus the response metadata that goes with it."""

    data: bytes
    duration: float
    synthesis_seconds: float
    kernels: str

    def pack(self) -> bytes:
        meta = json.dumps({"duration": self.duration, "synthesis_seconds": self.synthesis_seconds,
                           "kernels": self.kernels}, separators=(",", ":")).encode()
        return _MAGIC + struct.pack("<I", len(meta)) + meta + self.data

    @classmethod
    def unpack(cls, blob: bytes) -> CachedAudio | None:
        if blob[:4] != _MAGIC or len(blob) < 8:
            return None
        (size,) = struct.unpack("<I", blob[4:8])
        try:
            meta = json.loads(blob[8:8 + size])
            return cls(data=blob[8 + size:], duration=float(meta["duration"]),
                       synthesis_seconds=float(meta["synthesis_seconds"]), kernels=str(meta["kernels"]))
        except (ValueError, KeyError, TypeError):
            return None


def cache_key(canonical: dict[str, Any], *, fingerprint: str, version: str, kernels: str) -> str:
    """sha256 hex of everything that decides the output bytes."""
    doc = {"request": canonical, "model": fingerprint, "version": version, "kernels": kernels}
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Cache(Protocol):
    """What the routes need from a cache back end."""

    kind: str

    async def get(self, key: str) -> CachedAudio | None: ...

    async def put(self, key: str, value: CachedAudio) -> None: ...

    async def close(self) -> None: ...


class NoCache:
    """``SHENGQING_CACHE_URL=off``."""

    kind = "off"

    async def get(self, key: str) -> CachedAudio | None:
        return None

    async def put(self, key: str, value: CachedAudio) -> None:
        return None

    async def close(self) -> None:
        return None


class MemoryCache:
    """LRU bounded by the total size of the cached audio (entries over half the budget are not kept)."""

    kind = "memory"

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[str, CachedAudio] = OrderedDict()
        self._lock = threading.Lock()

    def get_now(self, key: str) -> CachedAudio | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    async def get(self, key: str) -> CachedAudio | None:
        return self.get_now(key)

    async def put(self, key: str, value: CachedAudio) -> None:
        cost = len(value.data)
        if cost > self.max_bytes // 2:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old.data)
            self._items[key] = value
            self.size += cost
            while self.size > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self.size -= len(evicted.data)

    def __len__(self) -> int:
        return len(self._items)

    async def close(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


class RedisCache:
    """Entries stored as ``shengqing:audio:<key>`` with a TTL; errors are logged and count as misses."""

    kind = "redis"

    def __init__(self, url: str, *, ttl: int, max_entry_bytes: int = 64 * 1024 * 1024) -> None:
        import redis.asyncio as aioredis

        self._client: Any = aioredis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._ttl = ttl
        self._max_entry = max_entry_bytes
        self._warned = False

    @staticmethod
    def _name(key: str) -> str:
        return f"shengqing:audio:{key}"

    async def get(self, key: str) -> CachedAudio | None:
        try:
            blob = await self._client.get(self._name(key))
        except Exception as exc:  # a cache outage must not fail synthesis
            self._warn(exc)
            return None
        return CachedAudio.unpack(blob) if blob else None

    async def put(self, key: str, value: CachedAudio) -> None:
        if len(value.data) > self._max_entry:
            return
        try:
            await self._client.set(self._name(key), value.pack(), ex=self._ttl)
        except Exception as exc:
            self._warn(exc)

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())
        except Exception as exc:
            self._warn(exc)
            return False

    def _warn(self, exc: Exception) -> None:
        if not self._warned:
            log.warning("redis cache unavailable (%s); serving without it", exc)
            self._warned = True

    async def close(self) -> None:
        try:
            await self._client.aclose()
        except Exception:  # closing a broken connection
            log.debug("redis close failed", exc_info=True)


def make_cache(url: str, *, max_bytes: int, ttl: int) -> Cache:
    """The back end named by ``url``: ``memory`` (LRU of ``max_bytes``), ``off``, or a Redis URL."""
    if url == "off" or (url == "memory" and max_bytes == 0):
        return NoCache()
    if url == "memory":
        return MemoryCache(max_bytes)
    return RedisCache(url, ttl=ttl)
