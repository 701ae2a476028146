"""Lazy, thread-safe loading and the on-disk cache shared by the frontend's data tables.

Kept apart from the modules that own the tables (:mod:`readings`, :mod:`segment`, :mod:`polyphone`) so
that none of them imports another just for these helpers (that made readings ↔ polyphone a cycle).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def once(loader: Callable[[], T]) -> Callable[[], T]:
    """``loader()`` run on the first call only, under a lock (the frontend's shared data loads lazily, once)."""
    lock = threading.Lock()
    loaded: list[T] = []

    def get() -> T:
        if not loaded:
            with lock:
                if not loaded:
                    loaded.append(loader())
        return loaded[0]

    get.__doc__ = loader.__doc__
    return get


def cache_dir() -> Path:
    """``$SHENGQING_CACHE`` or the user cache directory."""
    from ..config import env_frontend_cache

    configured = env_frontend_cache()
    if configured is not None:
        return configured
    import platformdirs

    return Path(platformdirs.user_cache_dir("shengqing"))


def write_atomic(path: Path, payload: bytes, *, replaces: str | None = None) -> None:
    """Write ``payload`` so that concurrent readers never see a half-written file; ignore a read-only cache.

    ``replaces``: a glob of older versions of this cache file, deleted once the new one is in place.
    """
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
        tmp = None
        for stale in path.parent.glob(replaces) if replaces else ():
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        if tmp is not None:  # a failed write (full disk) leaves no temporary file behind
            Path(tmp).unlink(missing_ok=True)
