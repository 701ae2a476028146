"""CLI habits of edge-tts and piper users, run as a user runs them: real model, real subprocesses.

Progress on a terminal (a pty) and not in a pipe, ``-o -`` streaming, ``--play``, ``voices``, edge-tts
option values, piper JSON lines, exit codes, shell completion and SSML in ``phonemize``.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from shared_helpers import standard_texts
from shengqing.audio import decode
from shengqing.models.store import InstalledModel

CLI = [sys.executable, "-m", "shengqing.cli"]
TEXT = "你好，欢迎使用语音合成服务。"
FAST = ("--kernels", "fast", "--threads", "2")  # the CLI's behaviour, not the kernels, is under test here


def long_text(chars: int) -> str:
    return ("".join(standard_texts()) * 4)[:chars]


# a relative PYTHONPATH (``src``) would point elsewhere from another working directory
PYTHONPATH = os.pathsep.join(os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)


def run(*args: str, stdin: str | None = None, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, input=stdin, timeout=600, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": PYTHONPATH, **(env or {})})


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_progress_is_drawn_on_a_terminal_and_absent_in_a_pipe(tmp_path: Path) -> None:
    text = tmp_path / "long.txt"
    text.write_text(long_text(320), encoding="utf-8")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 120 columns, as a terminal
    seen = b""
    with subprocess.Popen([*CLI, "say", "-f", str(text), "-o", str(tmp_path / "a.wav"), *FAST],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave) as proc:
        os.close(slave)
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            seen += data
        os.close(master)
    assert proc.returncode == 0
    terminal = seen.decode("utf-8", "replace")
    assert "320/320 chars" in terminal and "char/s" in terminal and "audio-s/s" in terminal, terminal
    assert "\r" in terminal  # redrawn in place
    piped = run("say", "-f", str(text), "-o", str(tmp_path / "b.wav"), *FAST)
    assert piped.returncode == 0 and "chars" not in piped.stderr and "%|" not in piped.stderr, piped.stderr
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    forced = run("say", "-f", str(text), "-o", str(tmp_path / "c.wav"), "--progress", "-q", *FAST)
    assert "320/320 chars" in forced.stderr


def test_standard_output_streams_before_the_end(tmp_path: Path) -> None:
    text = tmp_path / "long.txt"
    text.write_text(long_text(400), encoding="utf-8")
    start = time.perf_counter()
    first = None
    streamed = b""
    with subprocess.Popen([*CLI, "say", "-f", str(text), "-o", "-", "--format", "pcm", "-q", *FAST],
                          stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        while data := proc.stdout.read1(65536):
            first = first if first is not None else time.perf_counter() - start
            streamed += data
    assert proc.returncode == 0 and first is not None
    total = time.perf_counter() - start
    assert first < 0.5 * total, (first, total)  # the whole text takes many phrases; the first one is out early
    assert run("say", "-f", str(text), "-o", str(tmp_path / "whole.pcm"), "-q", *FAST).returncode == 0
    assert streamed == (tmp_path / "whole.pcm").read_bytes()


def test_wav_on_standard_output(tmp_path: Path) -> None:
    assert run("say", TEXT, "-o", str(tmp_path / "file.wav"), "-q", *FAST).returncode == 0
    with (tmp_path / "redirected.wav").open("wb") as out:  # `> x.wav`: the header is fixed at the end
        assert subprocess.run([*CLI, "say", TEXT, "-o", "-", "-q", *FAST], stdout=out, timeout=600).returncode == 0
    assert (tmp_path / "redirected.wav").read_bytes() == (tmp_path / "file.wav").read_bytes()
    piped = subprocess.run([*CLI, "say", TEXT, "-o", "-", "-q", *FAST], capture_output=True, timeout=600)
    assert piped.stdout[4:8] == b"\xff\xff\xff\xff" and piped.stdout[40:44] == b"\xff\xff\xff\xff"  # length unknown
    assert piped.stdout[44:] == (tmp_path / "file.wav").read_bytes()[44:]
    flac = subprocess.run([*CLI, "say", TEXT, "-o", "-", "--format", "flac", *FAST], capture_output=True,
                          timeout=600)
    assert b"flac cannot be streamed" in flac.stderr and len(decode(flac.stdout, "flac")) > 24000


def _alsa_home(tmp_path: Path, config: str, model: InstalledModel) -> dict[str, str]:
    """A HOME whose ~/.asoundrc decides the ALSA devices PortAudio sees; the model stays where it is."""
    (tmp_path / ".asoundrc").write_text(config, encoding="utf-8")
    return {"HOME": str(tmp_path), "SHENGQING_HOME": str(model.directory.parent.parent)}


def test_play_without_an_output_device_is_one_line_and_exit_1(tmp_path: Path, installed_model: InstalledModel) -> None:
    env = _alsa_home(tmp_path, "pcm.!default { type hw card 99 }\n", installed_model)
    result = run("say", TEXT, "--play", *FAST, env=env)
    assert result.returncode == 1
    line = one_line(result)
    assert "no audio output device" in line or "PortAudio" in line or "sounddevice" in line
    assert not (tmp_path / "out.wav").exists()


def test_play_through_a_null_alsa_device(tmp_path: Path, installed_model: InstalledModel) -> None:
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError):
        pytest.skip("sounddevice or the PortAudio library is not installed")
    env = _alsa_home(tmp_path, "pcm.!default { type null }\n", installed_model)
    result = run("say", TEXT, "--play", *FAST, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "played" in one_line(result) and "s of audio" in result.stderr
    assert not (tmp_path / "out.wav").exists()  # --play alone writes no file


def test_voices() -> None:
    listed = run("voices", "--json")
    assert listed.returncode == 0, listed.stderr
    voice = json.loads(listed.stdout)["voices"][0]
    assert voice["name"] == "baker" and voice["language"] == "zh-CN" and voice["gender"] == "female"
    assert voice["sample_rate"] == 24000 and "non-commercial" in voice["data_license"]
    assert "baker (default)" in run("voices").stdout


def test_edge_tts_options_mean_ours(tmp_path: Path) -> None:
    edge = run("say", "--text", TEXT, "--rate", "+10%", "--volume", "-20%", "--pitch", "+2st",
               "--write-media", str(tmp_path / "edge.wav"), "-q", *FAST)
    ours = run("say", TEXT, "--speed", "1.1", "--volume", "0.8", "--pitch", "2", "-o", str(tmp_path / "ours.wav"),
               "-q", *FAST)
    assert edge.returncode == 0 and ours.returncode == 0, edge.stderr + ours.stderr
    assert (tmp_path / "edge.wav").read_bytes() == (tmp_path / "ours.wav").read_bytes()
    assert run("say", TEXT, "-o", str(tmp_path / "n.wav"), "-q", *FAST).returncode == 0
    assert (tmp_path / "n.wav").read_bytes() != (tmp_path / "ours.wav").read_bytes()


def test_pitch_in_hertz_is_converted_as_ssml_converts_it() -> None:
    from shengqing.cli._values import parse_pitch
    from shengqing.options import SynthesisOptions
    from shengqing.ssml import parse_pitch as ssml_pitch

    for value in ("+20Hz", "-30Hz", "+2st", "250Hz"):
        assert parse_pitch(value) == pytest.approx(ssml_pitch(value, 0.0), abs=1e-3)
    assert parse_pitch("+2") == 2.0 and parse_pitch("-3 semitones") == -3.0
    assert SynthesisOptions(pitch=parse_pitch("+20Hz")).pitch == pytest.approx(1.386, abs=1e-3)


@pytest.mark.parametrize(("args", "needle"), [
    (["--pitch", "+200Hz"], "pitch must be from -6 to 6, got 10.494"),
    (["--pitch", "-300Hz"], "at or below 0 Hz"),
    (["--rate", "fast"], "--rate 'fast'"),
    (["--rate", "+10%", "--speed", "1.2"], "either --speed or --rate"),
    (["--rate", "+200%"], "speed must be from 0.5 to 2"),
    (["--volume", "-20 dB"], "--volume"),
])
def test_bad_edge_tts_values_are_usage_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    result = run("say", TEXT, *args, cwd=tmp_path)
    assert result.returncode == 2 and needle in one_line(result)
    assert not list(tmp_path.iterdir())


def test_piper_json_lines(tmp_path: Path) -> None:
    lines = [json.dumps({"text": TEXT, "output_file": str(tmp_path / "a.wav"), "emotion": "happy", "rate": "+10%"},
                        ensure_ascii=False),
             "not json",
             json.dumps({"text": "我一个人走在雨夜里。", "speaker_id": 3}, ensure_ascii=False),
             "",
             json.dumps({"text": "再见。"}, ensure_ascii=False)]
    result = run("say", "--json-input", "--output-dir", str(tmp_path), *FAST, stdin="\n".join(lines) + "\n")
    assert result.returncode == 2
    assert result.stdout.splitlines() == [str(tmp_path / "a.wav"), str(tmp_path / "0005.wav")]
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("shengqing: error: line 2: not JSON")
    assert "line 3: unknown field 'speaker_id'" in errors[1]
    same = run("say", TEXT, "--emotion", "happy", "--speed", "1.1", "-o", str(tmp_path / "b.wav"), "-q", *FAST)
    assert same.returncode == 0 and (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


@pytest.mark.parametrize(("args", "code"), [
    (["say", "--no-such-option"], 2),
    (["no-such-command"], 2),
    (["say", TEXT, "--speed", "abc"], 2),
    (["say", TEXT, "--emotion", "bored"], 2),
    (["say", "-f", "/nonexistent/text.txt"], 2),
    (["say", TEXT, "-o", "/nonexistent/dir/x.wav"], 2),
    (["say", "。。。"], 2),
    (["say", "<speak>未闭合"], 2),
])
def test_exit_codes_as_documented(tmp_path: Path, args: list[str], code: int) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == code
    assert one_line(result).startswith("shengqing")


def test_exit_code_table_is_the_documented_one() -> None:
    from shengqing.cli import EXIT_CODES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    for code in EXIT_CODES.values():
        assert f"| {code} |" in doc


def test_shell_completion(tmp_path: Path) -> None:
    line = "shengqing say --wri"
    out = tmp_path / "completions"
    env = {"_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)), "_ARGCOMPLETE_IFS": "\n",
           "_ARGCOMPLETE_STDOUT_FILENAME": str(out)}
    result = run(env=env)
    assert result.returncode == 0, result.stderr
    assert "--write-media" in out.read_text().split()
    line = "shengqing vo"
    env.update(COMP_LINE=line, COMP_POINT=str(len(line)))
    run(env=env)
    assert out.read_text().split() == ["voices"]


def test_phonemize_reads_ssml_as_markup() -> None:
    doc = '<speak>您好<break time="300ms"/><emotion category="sad">我有点难过。</emotion></speak>'
    shown = run("phonemize", doc)
    assert shown.returncode == 0, shown.stderr
    assert "spoken:     您好我有点难过。" in shown.stdout and "pause 300 ms" in shown.stdout
    assert "emotion=sad" in shown.stdout
    phones = [line for line in shown.stdout.splitlines() if line.strip().startswith("phones:")]
    assert len(phones) == 2
    data = json.loads(run("phonemize", "--json", doc).stdout)
    assert [p["text"] for p in data["phrases"]] == ["您好", "我有点难过"]
    plain = run("phonemize", "您好")
    assert plain.stdout.split("phones:")[1].split() == phones[0].split()[1:]
