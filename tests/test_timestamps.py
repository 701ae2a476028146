"""Timestamps on the real model: the model's durations, the audio's silences, the original text."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from shengqing.acoustic import FRAME_SAMPLES
from shengqing.audio import SAMPLE_RATE
from shengqing.frontend.phones import INITIALS
from shengqing.timestamps import TimedText, Timestamps

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
TEXT = "今天天气很好，我们去公园散步吧。然后回家吃饭；晚上还有一个会议！你去不去？"
DIALOGUE = "他说：“你好”，然后走了。我们都很高兴，因为明天放假。"
MIXED = "我在2024年3月5日花了12.5元，\n银行行长说ABC公司的电话是13800138000。花儿开了！"
SSML = ('<speak>今天<break time="700ms"/>天气<emphasis>很</emphasis>好，是<say-as interpret-as="date">'
        '2024-03-05</say-as>。<phoneme alphabet="pinyin" ph="zhong4 yao4">重要</phoneme>&amp;好</speak>')
# one phrase of ~40 syllables: at half speed its mel is cut into several vocoder windows
LONG_PHRASE = "我们今天上午在学校的大礼堂里面认认真真地听了一场关于人工智能和未来教育发展方向的精彩报告"
CASES: list[tuple[str, dict[str, Any]]] = [
    (TEXT, {}), (TEXT, {"speed": 0.5}), (TEXT, {"speed": 2.0}), (DIALOGUE, {"emotion": "sad"}),
    (DIALOGUE, {"emotion": "happy", "intensity": 1.0}), (MIXED, {}), (SSML, {}), (LONG_PHRASE, {"speed": 0.5}),
]


def _model_syllables(engine: Any, text: str, kwargs: dict[str, Any]) -> list[list[tuple[int, int]]]:
    """Per phrase, each syllable's [start, end) in samples of the output, from the acoustic model directly.

    Written apart from shengqing.timestamps: a syllable is its initial (if any, not the ``^`` placeholder)
    and its toned final; it ends where the next syllable's first phone starts, the last one where ``eos`` does.
    Offsets come from the streamed chunks' lengths (pauses, speed and the dropped last pause included).
    """
    from shengqing.options import SynthesisOptions

    opts = SynthesisOptions.from_kwargs(**kwargs)
    chunks = list(engine.stream(text, **kwargs))
    planned = list(engine._plan(text, opts, None))
    assert len(planned) == len(chunks)
    out: list[list[tuple[int, int]]] = []
    offset = 0
    for plan, chunk in zip(planned, chunks, strict=True):
        syllables: list[tuple[int, int]] = []
        if plan.ids.size:
            durations = engine._acoustic.run(plan.ids, plan.controls, plan.speed).durations
            phones = engine._phones(plan.ids)
            edges = np.concatenate([[0], np.cumsum(durations)]) * FRAME_SAMPLES + offset
            finals = [i for i, p in enumerate(phones) if p[-1].isdigit() and p != "er5" and not p.startswith("#")]
            starts = [i - 1 if phones[i - 1] in INITIALS else i for i in finals]
            ends = [*starts[1:], len(phones) - 1]
            syllables = [(int(edges[a]), int(edges[b])) for a, b in zip(starts, ends, strict=True)]
        out.append(syllables)
        offset += len(chunk.samples)
    return out


@pytest.mark.parametrize(("text", "kwargs"), CASES, ids=lambda v: str(v)[:12])
def test_audio_is_the_same_with_timestamps(engine: Any, text: str, kwargs: dict[str, Any]) -> None:
    plain = engine.synthesize(text, **kwargs)
    timed = engine.synthesize(text, timestamps=True, **kwargs)
    assert plain.timestamps is None
    assert timed.timestamps is not None and timed.timestamps.characters
    assert np.array_equal(plain.samples, timed.samples)
    assert plain.encode("wav") == timed.encode("wav")


@pytest.mark.parametrize(("text", "kwargs"), CASES, ids=lambda v: str(v)[:12])
def test_characters_follow_the_model_durations(engine: Any, text: str, kwargs: dict[str, Any]) -> None:
    """Inside a phrase every boundary is the model's to one frame; a phrase's outer edges lie within its
    first/last syllable's span as the model gives it (widened to the closing sil/eos and leading sil)."""
    stamps = engine.synthesize(text, timestamps=True, **kwargs).timestamps
    model = [p for p in _model_syllables(engine, text, kwargs) if p]
    assert len(model) == len(stamps.phrases)
    chars = list(stamps.characters)
    for phrase, syllables in zip(stamps.phrases, model, strict=True):
        inside = [c for c in chars if phrase.start_sample <= c.start_sample < phrase.end_sample]
        assert sum(len(c.readings) for c in inside) == len(syllables)
        k = 0
        for i, char in enumerate(inside):
            first, last = syllables[k], syllables[k + len(char.readings) - 1]
            k += len(char.readings)
            if i > 0:
                assert abs(char.start_sample - first[0]) <= FRAME_SAMPLES, (char, first)
            else:
                assert phrase.start_sample - FRAME_SAMPLES <= char.start_sample < first[1] + FRAME_SAMPLES
            if i < len(inside) - 1:
                assert abs(char.end_sample - last[1]) <= FRAME_SAMPLES, (char, last)
            else:
                assert last[0] - FRAME_SAMPLES < char.end_sample
        assert k == len(syllables)


def _silences(samples: np.ndarray, min_ms: int = 60) -> list[tuple[float, float]]:
    """Runs of 10 ms frames below -50 dBFS lasting at least ``min_ms``: (start, end) in seconds."""
    hop = SAMPLE_RATE // 100
    n = len(samples) // hop
    frames = samples[:n * hop].astype(np.float64).reshape(n, hop) / 32768.0
    quiet = 20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-12) < -50
    runs: list[tuple[float, float]] = []
    start = None
    for i, q in enumerate([*quiet, False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * 10 >= min_ms:
                runs.append((start / 100, i / 100))
            start = None
    return runs


@pytest.mark.parametrize(("text", "kwargs"), [c for c in CASES if c[0] != LONG_PHRASE], ids=lambda v: str(v)[:12])
def test_pauses_between_phrases_are_the_measured_silences(engine: Any, text: str, kwargs: dict[str, Any]) -> None:
    """For each pause between phrases, the silence measured on the audio lies inside the predicted gap ± 30 ms,
    and no predicted gap of 100 ms or more is missing from the audio."""
    audio = engine.synthesize(text, timestamps=True, **kwargs)
    phrases = audio.timestamps.phrases
    silences = _silences(audio.samples)
    tolerance = 0.030
    checked = 0
    for before, after in itertools.pairwise(phrases):
        gap = (before.end_time, after.start_time)
        found = [s for s in silences if s[0] < gap[1] and s[1] > gap[0]]  # silences touching the gap
        if gap[1] - gap[0] >= 0.1:
            assert found, f"no silence in the gap {gap} between {before.text!r} and {after.text!r}"
        for start, end in found:
            assert start >= gap[0] - tolerance and end <= gap[1] + tolerance, \
                f"silence {start:.3f}-{end:.3f} s outside the gap {gap[0]:.3f}-{gap[1]:.3f} s ({after.text!r})"
            checked += 1
    assert checked >= 2


def test_stream_chunks_carry_the_whole_synthesis_timestamps(engine: Any) -> None:
    text = (MIXED + TEXT) * 2  # several of the engine's text blocks
    whole = engine.synthesize(text, timestamps=True).timestamps
    chunks = list(engine.stream(text, timestamps=True))
    assert Timestamps.join(c.timestamps for c in chunks) == whole
    assert all(text[c.start:c.end] == c.text for c in whole.characters)
    assert [c.start for c in whole.characters] == sorted(c.start for c in whole.characters)
    assert whole.characters[-1].text == "去" and whole.characters[-1].end == len(text) - 1
    offset = 0
    for chunk in chunks:  # each chunk's timestamps lie inside its own audio
        for char in chunk.timestamps.characters:
            assert offset <= char.start_sample < char.end_sample <= offset + len(chunk.samples)
        offset += len(chunk.samples)


def _entries(stamps: Timestamps) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.text, c.readings) for c in stamps.characters]


def test_text_maps_back_to_the_original_input(engine: Any) -> None:
    stamps = engine.synthesize(MIXED, timestamps=True).timestamps
    for level in (stamps.characters, stamps.words, stamps.phrases):
        for item in level:
            assert MIXED[item.start:item.end] == item.text
        assert all(a.end <= b.start for a, b in itertools.pairwise(level))
        assert all(a.end_sample <= b.start_sample for a, b in itertools.pairwise(level))
    entries = _entries(stamps)
    assert ("2024", ("er4", "ling2", "er4", "si4")) in entries  # one span, several readings
    assert ("年", ("nian2",)) in entries
    money = [e for e in entries if e[0].startswith("12.5")]  # 12.5 or 12.5元, as the number policy reads it
    assert len(money) == 1 and money[0][1][:2] == ("shi2", "er4") and len(money[0][1]) >= 4
    assert ("13800138000", ("yao1", "san1", "ba1", "ling2", "ling2", "yao1", "san1", "ba1", "ling2", "ling2",
                            "ling2")) in entries
    assert [e for e in entries if e[0] in "ABC"] == [("A", ("ei1",)), ("B", ("bi4",)), ("C", ("xi1",))]
    assert ("花儿", ("huar1",)) in entries  # erhua: two characters, one syllable
    hang = [c for c in stamps.characters if c.text == "行"]  # polyphone: 银行行长, each 行 its own reading
    assert [c.readings for c in hang] == [("hang2",), ("xing2",)]
    words = [w.text for w in stamps.words]
    assert "2024年" in words and "ABC" in words


def test_ssml_positions_are_in_the_document(engine: Any) -> None:
    audio = engine.synthesize(SSML, timestamps=True)
    stamps = audio.timestamps
    entries = _entries(stamps)
    assert ("2024-03-05", ("er4", "ling2", "er4", "si4", "nian2", "san1", "yue4", "wu3", "ri4")) in entries
    assert ("重要", ("zhong4", "yao4")) in entries
    assert ("&amp;", ("he2",)) in entries  # the entity, as written in the document
    assert ("很", ("hen3",)) in entries or ("很", ("hen2",)) in entries
    for char in stamps.characters:
        assert SSML[char.start:char.end] == char.text
    # <break time="700ms"/> between 天 and 天: a gap of at least 0.7 s, silent in the audio
    first, second = stamps.characters[1], stamps.characters[2]
    assert (first.text, second.text) == ("天", "天")
    assert second.start_time - first.end_time >= 0.7
    quiet = [s for s in _silences(audio.samples) if s[0] <= first.end_time + 0.03 and s[1] >= second.start_time - 0.03]
    assert quiet, "the break is not silent where the timestamps put it"


def test_speed_scales_the_timeline(engine: Any) -> None:
    normal = engine.synthesize(TEXT, timestamps=True).timestamps
    slow = engine.synthesize(TEXT, timestamps=True, speed=0.5).timestamps
    speech = sum(c.end_time - c.start_time for c in normal.characters)
    slow_speech = sum(c.end_time - c.start_time for c in slow.characters)
    assert 1.7 < slow_speech / speech < 2.3
    assert [c.text for c in slow.characters] == [c.text for c in normal.characters]


def test_timed_text_json_fields() -> None:
    item = TimedText("好", 3, 4, 2400, 7200, ("hao3",))
    assert item.to_dict() == {"text": "好", "start": 0.1, "end": 0.3, "start_sample": 2400, "end_sample": 7200,
                              "char_start": 3, "char_end": 4, "readings": ["hao3"]}
