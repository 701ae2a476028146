"""``shengqing say`` writes its output whole or not at all, and says which file when it cannot."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shengqing import cli
from shengqing.cli import _say

TEXT = "你好。"


class NoEngine:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("synthesis started although the output cannot be written")


def test_an_unwritable_output_fails_before_synthesis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import shengqing.engine

    monkeypatch.setattr(shengqing.engine, "Synthesizer", NoEngine)
    target = tmp_path / "missing-dir" / "out.wav"
    assert cli.main(["say", TEXT, "-o", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0] and "cannot write" in err[0]


def test_a_full_disk_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.wav"
    target.write_bytes(b"the previous take")
    output = _say.AtomicOutput(target)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(Exception, match=f"cannot write {target}: No space left"):
        output.commit(b"RIFF" + b"\0" * 1000)
    output.discard()
    assert target.read_bytes() == b"the previous take"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


def test_the_output_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    target.write_bytes(b"old")
    target.chmod(0o640)
    output = _say.AtomicOutput(target)
    output.commit(b"new audio")
    assert target.read_bytes() == b"new audio" and (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


def test_an_overlong_break_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    doc = '<speak>你好<break time="' + "9" * 310 + 's"/></speak>'
    result = subprocess.run([sys.executable, "-m", "shengqing.cli", "say", doc, "-o", str(tmp_path / "x.wav")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr and "10 s" in lines[0], result.stderr
    assert not list(tmp_path.iterdir())  # no output, and no temporary file left behind



def test_a_long_text_shows_progress_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    import shengqing.engine
    from shengqing.audio import AudioChunk

    class FakeSynthesizer:
        def __init__(self, **_: Any) -> None:
            pass

        def __enter__(self) -> FakeSynthesizer:
            return self

        def __exit__(self, *_: object) -> None:
            pass

        def stream(self, text: str, **_: Any) -> Any:
            for index in range(3):
                yield AudioChunk(samples=np.zeros(24000, np.int16), index=index, text=text[:700], is_last=index == 2)

        def synthesize(self, *_: Any, **__: Any) -> Any:
            raise AssertionError("a long text on a terminal goes phrase by phrase")

    monkeypatch.setattr(shengqing.engine, "Synthesizer", FakeSynthesizer)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    out = tmp_path / "long.wav"
    assert cli.main(["say", "好" * 2100, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "2100/2100 chars" in err and "3s audio" in err and out.stat().st_size == 44 + 3 * 48000
