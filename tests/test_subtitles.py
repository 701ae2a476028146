"""Subtitle cues and writers (unit), and ``shengqing say --subtitles`` (real model, subprocess)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from shengqing.errors import InvalidOptionError
from shengqing.subtitles import cues, render, subtitle_format, to_srt, to_vtt
from shengqing.timestamps import TimedText, Timestamps

CLI = [sys.executable, "-m", "shengqing"]


def _timed(text: str, spans: list[tuple[int, int, float, float]]) -> Timestamps:
    """Characters at (start, end) offsets heard from t0 to t1 s; each list element of ``spans`` one character,
    phrases cut where a gap of ≥ 0.1 s lies between two characters."""
    chars = [TimedText(text[a:b], a, b, round(t0 * 24000), round(t1 * 24000), ("x1",)) for a, b, t0, t1 in spans]
    phrases: list[list[TimedText]] = [[]]
    for c in chars:
        if phrases[-1] and c.start_sample - phrases[-1][-1].end_sample >= 2400:
            phrases.append([])
        phrases[-1].append(c)
    return Timestamps(tuple(chars), tuple(chars),
                      tuple(TimedText(text[p[0].start:p[-1].end], p[0].start, p[-1].end, p[0].start_sample,
                                      p[-1].end_sample, ()) for p in phrases))


def _spoken(text: str, gaps_after: set[int]) -> Timestamps:
    """Every non-punctuation character 0.2 s long; 0.3 s of pause after the characters in ``gaps_after``."""
    t, spans = 0.0, []
    for i, ch in enumerate(text):
        if ch in "，。！？“”：<>/ =\"'":
            continue
        spans.append((i, i + 1, t, t + 0.2))
        t += 0.2 + (0.3 if i in gaps_after else 0.0)
    return _timed(text, spans)


def test_cues_join_phrases_until_a_sentence_ends() -> None:
    text = "你好，世界。今天很好！"
    stamps = _spoken(text, {1, 4, 9})
    items = cues(stamps, text)
    assert [c.text for c in items] == ["你好，世界。", "今天很好！"]
    assert items[0].start_time == 0.0 and items[0].end_time == pytest.approx(0.2 * 4 + 0.3)
    assert items[1].start_sample == stamps.characters[4].start_sample


def test_long_phrase_is_cut_and_cues_stay_short() -> None:
    text = "一二三四五六七八九十" * 5 + "。"
    stamps = _spoken(text, set())
    items = cues(stamps, text, max_chars=12)
    assert all(len(c.text.rstrip("。")) <= 12 for c in items)
    assert "".join(c.text for c in items) == text
    assert all(a.end_sample <= b.start_sample for a, b in itertools.pairwise(items))


def test_srt_vtt_and_json_formats() -> None:
    text = "你好，世界。"
    stamps = _spoken(text, {1})
    srt = to_srt(cues(stamps, text))
    assert srt == "1\n00:00:00,000 --> 00:00:01,100\n你好，世界。\n\n"
    assert to_vtt(cues(stamps, text)) == "WEBVTT\n\n00:00:00.000 --> 00:00:01.100\n你好，世界。\n\n"
    doc = json.loads(render("json", stamps, text))
    assert [c["text"] for c in doc["characters"]] == ["你", "好", "世", "界"]
    assert doc["cues"] == [{"text": "你好，世界。", "start": 0.0, "end": 1.1}]
    assert doc["frame_seconds"] == 0.0125


def test_cue_text_leaves_ssml_markup_out() -> None:
    text = '<speak>今天<break time="300ms"/>很好</speak>'
    at = [text.index(c) for c in "今天很好"]
    stamps = _timed(text, [(i, i + 1, 0.2 * k, 0.2 * k + 0.2) for k, i in enumerate(at)])
    assert [c.text for c in cues(stamps, text)] == ["今天很好"]


def test_subtitle_format_from_suffix() -> None:
    assert [subtitle_format(n) for n in ("a.srt", "b.VTT", "c.json")] == ["srt", "vtt", "json"]
    with pytest.raises(InvalidOptionError) as err:
        subtitle_format("a.txt")
    assert err.value.field == "subtitles"


def test_say_writes_subtitles_beside_the_audio(tmp_path: Path, installed_model: object) -> None:
    text = "今天天气很好，我们去公园散步吧。2024年，ABC公司！"
    audio, srt, vtt, js = (tmp_path / n for n in ("a.wav", "a.srt", "a.vtt", "a.json"))
    for path, flag in ((srt, "--subtitles"), (vtt, "--write-subtitles"), (js, "--subtitles")):
        done = subprocess.run([*CLI, "say", text, "-o", str(audio), "-q", flag, str(path)], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert srt.read_text(encoding="utf-8").startswith("1\n00:00:00,")
    assert "今天天气很好，我们去公园散步吧。" in srt.read_text(encoding="utf-8")
    assert vtt.read_text(encoding="utf-8").startswith("WEBVTT\n\n00:00:00.")
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert {"2024", "年", "A", "B", "C"} <= {c["text"] for c in doc["characters"]}
    assert all(text[c["char_start"]:c["char_end"]] == c["text"] for c in doc["characters"])


@pytest.mark.parametrize("name", ["a.txt", "missing-folder/a.srt"])
def test_say_refuses_a_bad_subtitle_path_before_synthesis(tmp_path: Path, name: str) -> None:
    audio = tmp_path / "a.wav"
    done = subprocess.run([*CLI, "say", "你好", "-o", str(audio), "--subtitles", str(tmp_path / name)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "subtitles" in done.stderr or "subtitle" in done.stderr
    assert not audio.exists() and list(tmp_path.iterdir()) == []


def test_shifted_timestamps_for_joined_chapters() -> None:
    text = "你好，世界。"
    stamps = _spoken(text, {1})
    moved = stamps.shifted(24000, chars=10)
    assert [c.start_sample - 24000 for c in moved.characters] == [c.start_sample for c in stamps.characters]
    assert [(c.start - 10, c.end - 10, c.text) for c in moved.words] == [(c.start, c.end, c.text) for c in stamps.words]
    assert moved.phrases[0].start_time == stamps.phrases[0].start_time + 1.0
