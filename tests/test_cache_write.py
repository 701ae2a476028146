"""The frontend's cache files are written whole or not at all, and a failed write leaves no temporary file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from shengqing.frontend import cache as readings  # the frontend's cache writer (used by readings, words…)


def test_a_failed_cache_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "cache.bin"

    def full_disk(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(readings.os, "replace", full_disk)
    readings.write_atomic(target, b"payload")  # a cache: failures are ignored
    assert list(tmp_path.iterdir()) == []


def test_a_cache_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "cache.bin"
    readings.write_atomic(target, b"one")
    readings.write_atomic(target, b"two")
    assert target.read_bytes() == b"two" and [p.name for p in tmp_path.iterdir()] == ["cache.bin"]
