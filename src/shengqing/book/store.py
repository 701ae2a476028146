"""The output directory: atomic files and the journal of finished items (what makes a run resumable).

A file appears under its final name only whole: it is written to a temporary name in the same directory,
flushed to disk (fsync), renamed over the final name, and the directory entry is synced. Only then is a
line appended (and synced) to ``.shengqing-book/journal.jsonl`` with the file's sha256 and the item's key
(a hash of its text, options, format, kernels and model). On a rerun an item is skipped only when its
journal line's key matches and the file on disk still has the recorded sha256; a line torn by a crash is
ignored. The manifest is written last, so its presence means the run finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

STATE_DIR = ".shengqing-book"
JOURNAL = "journal.jsonl"
MANIFEST = "manifest.json"


def atomic_write(path: Path, chunks: Iterable[bytes]) -> str:
    """Write ``chunks`` to ``path`` atomically and durably; returns the sha256 of what was written."""
    digest = hashlib.sha256()
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in chunks:
                digest.update(chunk)
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        temp.chmod(0o644)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_directory(path.parent)
    return digest.hexdigest()


def sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def remove_leftovers(outdir: Path) -> None:
    """Delete temporary files a killed run left behind (they never carry a final name)."""
    for leftover in outdir.glob(".*.part"):
        leftover.unlink(missing_ok=True)


class Journal:
    """Append-only record of finished items in ``OUTDIR/.shengqing-book/journal.jsonl``."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.path = outdir / STATE_DIR / JOURNAL

    def finished(self) -> dict[str, dict[str, Any]]:
        """Item key → its journal entry, for entries whose file is still on disk with the same sha256."""
        entries: dict[str, dict[str, Any]] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return entries
        for line in lines:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # torn by a crash while it was appended: that item is simply redone
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                entries[entry["key"]] = entry
        return {key: entry for key, entry in entries.items()
                if file_sha256(self.outdir / str(entry.get("file", ""))) == entry.get("sha256")}

    def append(self, entry: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b"\n" + line if self._ends_torn() else line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _ends_torn(self) -> bool:
        """True when the journal's last line lacks its newline (a crash cut it): start a fresh line."""
        try:
            with self.path.open("rb") as file:
                file.seek(-1, os.SEEK_END)
                return file.read(1) != b"\n"
        except OSError:
            return False
