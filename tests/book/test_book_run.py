"""``shengqing book`` on the real model: files, manifest, joined MP3 with chapters, resume after SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shengqing.audio import decode

CLI = [sys.executable, "-m", "shengqing.cli"]
CHAPTERS = [
    "天气晴朗，我们一起去公园散步。湖面上有几只白色的小船，孩子们在岸边放风筝。",
    "他难过地低下了头，眼泪止不住地流了下来。再见了，我的朋友。",
    "“你给我滚出去！”他生气地吼道。屋子里顿时安静下来，谁也不敢说话。",
    "夜深了，窗外下着小雨。她轻轻地关上灯，温柔地说：“晚安，宝贝。”",
    "第二天一早，村里的人都来到了广场上。大家议论纷纷，不知道发生了什么事情。",
    "突然，远处传来一声巨响。“天哪，那是什么？！”有人惊叫起来。",
]
ARGS = ["--kernels", "fast", "--threads", "2", "--format", "flac", "--joined", "book.mp3", "--title", "测试"]


def book_file(tmp: Path) -> Path:
    path = tmp / "book.txt"
    path.write_text("".join(f"第{n}章 标题{n}\n{text}\n\n" for n, text in enumerate(CHAPTERS, 1)), encoding="utf-8")
    return path


def snapshot(outdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(outdir.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, installed_model: object) -> tuple[Path, Path]:
    """An uninterrupted run."""
    tmp = tmp_path_factory.mktemp("book")
    book = book_file(tmp)
    result = subprocess.run([*CLI, "book", str(book), "-o", str(tmp / "ref"), *ARGS], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "char/s" not in result.stderr  # no progress bar when stderr is not a terminal
    return book, tmp / "ref"


def test_one_file_per_chapter_and_a_manifest(reference: tuple[Path, Path]) -> None:
    _, outdir = reference
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    assert [i["file"] for i in manifest["items"]] == [f"{n:04d}.flac" for n in range(1, 7)]
    assert manifest["engine"]["kernels"] == "fast" and manifest["format"] == "flac"
    for item in manifest["items"]:
        samples = decode((outdir / item["file"]).read_bytes(), "flac")
        assert len(samples) == item["samples"] > 24000
        assert item["title"].startswith("第")
    assert manifest["total_duration"] == pytest.approx(sum(i["duration"] for i in manifest["items"]), abs=0.01)
    assert manifest["joined"]["chapters"] == 6


def test_subtitles_beside_each_chapter_are_the_synthesizers_own(reference: tuple[Path, Path]) -> None:
    """Each chapter's .srt is what ``synthesize(..., timestamps=True)`` gives for its text, and is listed in
    the manifest with its sha256."""
    import hashlib

    from shengqing import Synthesizer
    from shengqing.book import read_items
    from shengqing.subtitles import render

    book, outdir = reference
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    texts = [item.text for item in read_items(book)]
    with Synthesizer(kernels="fast", threads=2) as engine:
        for item, text in zip(manifest["items"][:2], texts, strict=False):
            listed = item["subtitles"]["srt"]
            data = (outdir / listed["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == listed["sha256"]
            audio = engine.synthesize(text, timestamps=True)
            assert audio.timestamps is not None
            assert data.decode("utf-8") == render("srt", audio.timestamps, text)
            assert data.startswith(b"1\n00:00:00,") and CHAPTERS[item["index"]][:4].encode() in data


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe (Debian's ffmpeg) not installed")
def test_joined_mp3_chapters_read_by_ffprobe(reference: tuple[Path, Path]) -> None:
    _, outdir = reference
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-show_format", "-of", "json",
                            str(outdir / "book.mp3")], capture_output=True, text=True, timeout=60, check=True)
    info = json.loads(probe.stdout)
    assert [c["tags"]["title"] for c in info["chapters"]] == [i["title"] for i in manifest["items"]]
    start = 0
    for chapter, item in zip(info["chapters"], manifest["items"], strict=True):
        assert float(chapter["start_time"]) == pytest.approx(start / 24000, abs=0.001)
        start += item["samples"]
        assert float(chapter["end_time"]) == pytest.approx(start / 24000, abs=0.001)
    assert info["format"]["tags"]["title"] == "测试"
    assert float(info["format"]["duration"]) == pytest.approx(start / 24000, abs=0.2)


def _journal_lines(outdir: Path) -> int:
    try:
        return (outdir / ".shengqing-book" / "journal.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _run_and_kill(book: Path, outdir: Path, after_items: int) -> None:
    """Start a run and SIGKILL it as soon as ``after_items`` items are recorded as finished."""
    process = subprocess.Popen([*CLI, "book", str(book), "-o", str(outdir), *ARGS], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while _journal_lines(outdir) < after_items and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"


def test_killed_twice_then_resumed_is_byte_identical(reference: tuple[Path, Path], tmp_path: Path) -> None:
    book, ref = reference
    outdir = tmp_path / "out"
    _run_and_kill(book, outdir, 2)
    assert not (outdir / "manifest.json").exists()  # the manifest only exists for a finished run
    for path in outdir.glob("*.flac"):  # whatever carries a final name is whole (a .part may be left: rerun cleans)
        assert path.read_bytes() == (ref / path.name).read_bytes()
    done = {p.name: p.stat().st_ino for p in outdir.glob("*.flac")}
    _run_and_kill(book, outdir, 4)
    assert {n: (outdir / n).stat().st_ino for n in done} == done  # finished chapters were not redone
    done = {p.name: p.stat().st_ino for p in outdir.glob("*.flac")}
    assert len(done) >= 4
    result = subprocess.run([*CLI, "book", str(book), "-o", str(outdir), *ARGS], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert {n: (outdir / n).stat().st_ino for n in done} == done
    assert snapshot(outdir) == snapshot(ref)


def test_rerun_of_a_finished_book_redoes_nothing(reference: tuple[Path, Path], tmp_path: Path) -> None:
    book, ref = reference
    outdir = tmp_path / "copy"
    shutil.copytree(ref, outdir)
    inodes = {p.name: p.stat().st_ino for p in outdir.glob("*.flac")}
    result = subprocess.run([*CLI, "book", str(book), "-o", str(outdir), *ARGS], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.stat().st_ino for p in outdir.glob("*.flac")} == inodes
    assert snapshot(outdir) == snapshot(ref)
    # a chapter whose file was damaged is redone, and only that one
    (outdir / "0003.flac").write_bytes(b"damaged")
    result = subprocess.run([*CLI, "book", str(book), "-o", str(outdir), *ARGS], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert snapshot(outdir) == snapshot(ref)
    assert (outdir / "0003.flac").stat().st_ino != inodes["0003.flac"]
    assert all((outdir / n).stat().st_ino == i for n, i in inodes.items() if n != "0003.flac")


def test_bad_arguments_are_one_line(tmp_path: Path) -> None:
    book = book_file(tmp_path)
    for args, needle in ((["--joined", "x.mp3", "--format", "mp3"], "lossless"),
                         (["--joined", "../x.mp3"], "--joined"), (["--emotion", "grumpy"], "emotion")):
        result = subprocess.run([*CLI, "book", str(book), "-o", str(tmp_path / "o"), *args], capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 2 and needle in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux script not installed")
def test_progress_bar_on_a_terminal(tmp_path: Path, installed_model: object) -> None:
    """On a terminal (a pty made by `script`): characters/s, audio-s/s, ETA, ending at 100 %."""
    book = tmp_path / "a.txt"
    book.write_text("第一章\n今天天气很好。\n\n第二章\n我们去公园散步吧！\n", encoding="utf-8")
    command = " ".join([*CLI, "book", str(book), "-o", str(tmp_path / "o"), "--kernels", "fast"])
    log = tmp_path / "tty.log"
    subprocess.run(["script", "-q", "-e", "-c", f"stty cols 120 rows 40; {command}", str(log)],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=300, check=True)
    screen = log.read_text(encoding="utf-8", errors="replace")
    assert "char/s" in screen and "audio-s/s" in screen
    last = [line for line in screen.replace("\r", "\n").splitlines() if "char/s" in line][-1]
    assert last.lstrip().startswith("100%"), last
