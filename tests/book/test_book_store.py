"""The output directory's guarantees: whole files only, a journal that survives a torn last line, ID3 tags."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from shengqing.book.id3 import ChapterMark, chapter_tag, syncsafe
from shengqing.book.store import Journal, atomic_write, remove_leftovers


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "0001.wav"
    target.write_bytes(b"old")

    def failing() -> Iterator[bytes]:
        yield b"half of the new file"
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(target, failing())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["0001.wav"]
    sha = atomic_write(target, [b"new ", b"bytes"])
    assert target.read_bytes() == b"new bytes" and sha == hashlib.sha256(b"new bytes").hexdigest()


def test_leftover_temporaries_are_removed(tmp_path: Path) -> None:
    (tmp_path / ".0001.wav.abc.part").write_bytes(b"x")
    (tmp_path / "0001.wav").write_bytes(b"y")
    remove_leftovers(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["0001.wav"]


def test_journal_trusts_only_files_with_the_recorded_sha(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for name in ("a", "b", "c"):
        data = name.encode() * 10
        sha = atomic_write(tmp_path / f"{name}.wav", [data])
        journal.append({"key": f"k{name}", "file": f"{name}.wav", "sha256": sha})
    (tmp_path / "b.wav").write_bytes(b"changed since")
    (tmp_path / "c.wav").unlink()
    assert sorted(journal.finished()) == ["ka"]


def test_torn_journal_line_is_ignored_and_the_next_line_starts_fresh(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    sha = atomic_write(tmp_path / "a.wav", [b"a"])
    journal.append({"key": "ka", "file": "a.wav", "sha256": sha})
    with journal.path.open("ab") as file:
        file.write(b'{"key": "kb", "file": "b.w')  # power cut in the middle of an append
    sha_c = atomic_write(tmp_path / "c.wav", [b"c"])
    journal.append({"key": "kc", "file": "c.wav", "sha256": sha_c})
    assert sorted(journal.finished()) == ["ka", "kc"]


def test_id3_chapter_tag_layout() -> None:
    assert syncsafe(0x0FFFFFFF) == b"\x7f\x7f\x7f\x7f" and syncsafe(200) == b"\x00\x00\x01\x48"
    tag = chapter_tag("书", [ChapterMark("一", 0, 1500), ChapterMark("二", 1500, 4000)])
    assert tag[:5] == b"ID3\x04\x00"
    size = sum(b << (7 * (3 - i)) for i, b in enumerate(tag[6:10]))
    assert size == len(tag) - 10
    chap = tag.index(b"CHAP", tag.index(b"CHAP") + 1)  # the second chapter
    body = tag[chap + 10:]
    assert body.startswith(b"ch1\0")
    assert struct.unpack(">II", body[4:12]) == (1500, 4000)
    assert b"TIT2" in body and "二".encode() in body
    with pytest.raises(ValueError):
        chapter_tag("", [ChapterMark("x", 0, 1)] * 256)
