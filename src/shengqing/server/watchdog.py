"""The model watchdog: model files changed under a running server are verified again, then reloaded.

Every ``interval`` seconds it compares the model directory's entries (name, inode, size, mtime). When they
change and then hold still for one more interval (a copy in progress is not judged half-way), ``/readyz``
turns 503, the files are checked against the manifest's sha256s, and a good model is loaded and warmed
while the old engine keeps serving; a bad one keeps ``/readyz`` at 503 with the reason (the running engine
uses a verified in-memory copy, so it is never affected), until the files are fixed. A model that was
corrupt at start is picked up the same way once fixed — no restart needed.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Protocol

from ..errors import ModelCorruptError, ShengqingError

log = logging.getLogger("shengqing.server")

Signature = tuple[tuple[str, int, int, int], ...] | None


class Reloadable(Protocol):
    """What the watchdog needs of the server state."""

    def files_changed(self) -> None: ...

    def _failed(self, exc: ShengqingError) -> None: ...

    async def load(self) -> None: ...


def signature(directory: Path) -> Signature:
    """The directory's entries as (name, inode, size, mtime_ns), or None when it cannot be read."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
        return tuple((e.name, e.inode(), *_size_mtime(e)) for e in entries if e.is_file())
    except OSError:
        return None


def _size_mtime(entry: os.DirEntry[str]) -> tuple[int, int]:
    stat = entry.stat()
    return stat.st_size, stat.st_mtime_ns


def verify(directory: Path) -> None:
    """Raise :class:`ModelCorruptError` unless every file matches the manifest (names only, no paths)."""
    from ..models.store import ModelStore

    try:
        model = ModelStore(directory.parent.parent).get(directory.name)
    except ShengqingError as exc:
        raise ModelCorruptError(f"the model cannot be read: {exc.code}",
                                hint="run `shengqing models install --force`") from None
    problems = model.verify()
    if problems:
        raise ModelCorruptError("model files fail verification: " + "; ".join(problems),
                                hint="run `shengqing models install --force`")


class ModelWatchdog:
    def __init__(self, state: Reloadable, directory: Path, interval: float) -> None:
        self.state = state
        self.directory = directory
        self.interval = interval

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last = signature(self.directory)
        while True:
            await asyncio.sleep(self.interval)
            now = signature(self.directory)
            if now == last:
                continue
            self.state.files_changed()
            log.warning("model files changed in %s; verifying them again", self.directory)
            while True:  # wait until the files hold still for one interval
                await asyncio.sleep(self.interval)
                settled = signature(self.directory)
                if settled == now:
                    break
                now = settled
            last = now
            try:
                await loop.run_in_executor(None, verify, self.directory)
            except ModelCorruptError as exc:
                log.error("model files changed and are not usable: %s", exc)
                self.state._failed(exc)
                continue
            log.warning("model files verified; reloading the model")
            await self.state.load()
