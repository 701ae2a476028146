"""Response cache: synthesis is deterministic, so the encoded bytes of a request can be reused.

The key is the sha256 of the canonical request (text, every option, format, voice, SSML flag), the model
fingerprint, the package version and the kernel mode; it doubles as the ``ETag``. Two back ends share one
interface: an in-process LRU bounded by bytes (default) and Redis (``SHENGQING_CACHE_URL=redis://…``), which
several server processes or machines can share. A Redis outage never fails a request: it is a miss, and
a circuit breaker stops asking a Redis that fails or hangs (see :class:`Breaker`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import struct
import threading
import time
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
    max_entry_bytes: int  # larger responses are never stored (a stream stops keeping its bytes past it)

    async def get(self, key: str) -> CachedAudio | None: ...

    async def put(self, key: str, value: CachedAudio) -> None: ...

    async def close(self) -> None: ...


class NoCache:
    """``SHENGQING_CACHE_URL=off``."""

    kind = "off"
    max_entry_bytes = 0

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
        self.max_entry_bytes = max_bytes // 2
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
        if cost > self.max_entry_bytes:
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


class Breaker:
    """A circuit breaker: after a failure, skip the back end for ``cooldown`` seconds (doubling up to
    ``max_cooldown`` while it keeps failing), then let one request probe it. While open, a request pays
    nothing for the outage. Warnings are rate-limited: at most one per ``log_every`` seconds, with the count
    of failures since the last one.
    """

    def __init__(self, *, cooldown: float = 1.0, max_cooldown: float = 30.0, log_every: float = 60.0) -> None:
        self.cooldown = cooldown
        self.max_cooldown = max_cooldown
        self.log_every = log_every
        self._delay = cooldown
        self._open_until = 0.0
        self._probing = False
        self._failures = 0
        self._logged_at = -float("inf")

    @property
    def open(self) -> bool:
        return self._open_until > time.monotonic() or self._probing

    def allow(self) -> bool:
        """Whether to try the back end now (one probe at a time once the cooldown is over)."""
        if self._open_until == 0.0:
            return True
        if self._probing or time.monotonic() < self._open_until:
            return False
        self._probing = True
        return True

    def success(self) -> None:
        if self._open_until:
            log.warning("redis cache reachable again; using it")
        self._open_until, self._probing, self._delay = 0.0, False, self.cooldown

    def failure(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._probing or self._open_until:
            self._delay = min(self._delay * 2, self.max_cooldown)
        self._open_until, self._probing = now + self._delay, False
        self._failures += 1
        if now - self._logged_at >= self.log_every:
            log.warning("redis cache unavailable (%s: %s; %d failure(s) since the last report); serving "
                        "without it, next try in %.0f s", type(exc).__name__, exc, self._failures, self._delay)
            self._logged_at, self._failures = now, 0


class RedisCache:
    """Entries stored as ``shengqing:audio:<key>`` with a TTL; errors are logged and count as misses.

    Every call is bounded by ``op_timeout`` (a Redis that accepts connections but never answers costs at
    most that), and the :class:`Breaker` then skips Redis altogether until a probe succeeds.
    """

    kind = "redis"

    def __init__(self, url: str, *, ttl: int, max_entry_bytes: int = 64 * 1024 * 1024,
                 op_timeout: float = 0.25, breaker: Breaker | None = None) -> None:
        import redis.asyncio as aioredis

        self._client: Any = aioredis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._ttl = ttl
        self.max_entry_bytes = max_entry_bytes
        self._op_timeout = op_timeout
        self.breaker = breaker or Breaker()

    @staticmethod
    def _name(key: str) -> str:
        return f"shengqing:audio:{key}"

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        """``(True, result)``, or ``(False, None)`` when the breaker is open or the call failed."""
        if not self.breaker.allow():
            return False, None
        try:
            result = await asyncio.wait_for(getattr(self._client, method)(*args, **kwargs), self._op_timeout)
        except Exception as exc:  # a cache outage must not fail synthesis
            self.breaker.failure(exc)
            return False, None
        self.breaker.success()
        return True, result

    async def get(self, key: str) -> CachedAudio | None:
        ok, blob = await self._call("get", self._name(key))
        return CachedAudio.unpack(blob) if ok and blob else None

    async def put(self, key: str, value: CachedAudio) -> None:
        if len(value.data) > self.max_entry_bytes:
            return
        await self._call("set", self._name(key), value.pack(), ex=self._ttl)

    async def ping(self) -> bool:
        ok, result = await self._call("ping")
        return ok and bool(result)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._client.aclose(), self._op_timeout)
        except Exception:  # closing a broken connection
            log.debug("redis close failed", exc_info=True)


def make_cache(url: str, *, max_bytes: int, ttl: int) -> Cache:
    """The back end named by ``url``: ``memory`` (LRU of ``max_bytes``), ``off``, or a Redis URL."""
    if url == "off" or (url == "memory" and max_bytes == 0):
        return NoCache()
    if url == "memory":
        return MemoryCache(max_bytes)
    return RedisCache(url, ttl=ttl)
