"""The ``instructions`` parser: many phrasings in Chinese and English, degrees, negation, numbers, limits,
and on the real model that an instruction really changes the audio."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from shengqing.errors import InvalidOptionError
from shengqing.instructions import INTENSITY, MAX_INSTRUCTIONS, PITCH, SPEED, VOLUME, parse_instructions
from shengqing.options import SynthesisOptions

CASES: list[tuple[str, dict[str, Any]]] = [
    # Chinese
    ("用开心的语气", {"emotion": "happy", "intensity": INTENSITY[None]}),
    ("语速慢一点", {"speed": SPEED["slow"]["weak"]}),
    ("用非常悲伤的语气慢慢地说", {"emotion": "sad", "intensity": INTENSITY["strong"], "speed": SPEED["slow"][None]}),
    ("有点生气，大声一点", {"emotion": "angry", "intensity": INTENSITY["weak"], "volume": VOLUME["loud"]["weak"]}),
    ("很生气地说", {"emotion": "angry", "intensity": INTENSITY["strong"]}),
    ("极其愤怒", {"emotion": "angry", "intensity": INTENSITY["extreme"]}),
    ("温柔地、轻声地说", {"emotion": "gentle", "intensity": 1.0, "volume": VOLUME["quiet"][None]}),
    ("快乐地说", {"emotion": "happy", "intensity": 1.0}),  # 快乐 is happy, not fast
    ("说得快一点，音调高一些", {"speed": SPEED["fast"]["weak"], "pitch": PITCH["weak"]}),
    ("1.2倍速，温柔地", {"speed": 1.2, "emotion": "gentle", "intensity": 1.0}),
    ("升高3个半音", {"pitch": 3.0}),
    ("声音低沉，严肃", {"pitch": -PITCH[None], "emotion": "serious", "intensity": 1.0}),
    ("惊讶地", {"emotion": "surprise", "intensity": 1.0}),
    ("带着厌恶的口吻", {"emotion": "hate", "intensity": 1.0}),
    ("害怕得发抖", {"emotion": "fear", "intensity": 1.0}),
    ("平静地读", {"emotion": "neutral"}),
    ("不要太快", {}),  # negated
    ("别生气", {}),
    ("请朗读这段文字", {}),  # nothing recognised: nothing changes
    # English
    ("speak sadly and slowly", {"emotion": "sad", "intensity": 1.0, "speed": SPEED["slow"][None]}),
    ("very angry", {"emotion": "angry", "intensity": INTENSITY["strong"]}),
    ("whisper softly", {"emotion": "gentle", "intensity": 1.0, "volume": VOLUME["quiet"][None]}),
    ("Speak in a cheerful and positive tone.", {"emotion": "happy", "intensity": 1.0}),
    ("kind of sad", {"emotion": "sad", "intensity": INTENSITY["weak"]}),
    ("extremely excited, talk faster", {"emotion": "happy", "intensity": INTENSITY["extreme"],
                                        "speed": SPEED["fast"][None]}),
    ("a bit slower please", {"speed": SPEED["slow"]["weak"]}),
    ("Voice: warm, upbeat. Pacing: fast.", {"emotion": "gentle", "intensity": 1.0, "speed": SPEED["fast"][None]}),
    ("lower the pitch by 2 semitones", {"pitch": -2.0}),
    ("deep voice, calm", {"pitch": -PITCH[None], "emotion": "neutral"}),
    ("speak at 1.5x speed", {"speed": 1.5}),
    ("shout it loudly, furious", {"volume": VOLUME["loud"][None], "emotion": "angry", "intensity": 1.0}),
    ("terrified and very quiet", {"emotion": "fear", "intensity": 1.0, "volume": VOLUME["quiet"]["strong"]}),
    ("do not sound angry", {}),
    ("not happy", {}),
    ("SPEAK SADLY", {"emotion": "sad", "intensity": 1.0}),  # case-insensitive
    ("Ｓｐｅａｋ ｓａｄｌｙ", {"emotion": "sad", "intensity": 1.0}),  # full-width letters (NFKC)
    ("read it like a news anchor: formal and serious", {"emotion": "serious", "intensity": 1.0}),
    ("", {}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_phrasings(text: str, expected: dict[str, Any]) -> None:
    assert parse_instructions(text).options() == expected


def test_every_result_is_a_valid_option_set() -> None:
    for text, _ in CASES:
        SynthesisOptions.from_kwargs(**parse_instructions(text).options())  # raises if out of range


def test_first_cue_of_a_kind_wins_and_is_deterministic() -> None:
    style = parse_instructions("开心地说，然后悲伤地说")
    assert style.emotion == "happy" and style.cues == ("开心",)
    assert all(parse_instructions("speak sadly and slowly") == parse_instructions("speak sadly and slowly")
               for _ in range(3))


def test_out_of_range_numbers_are_ignored_or_bounded() -> None:
    assert parse_instructions("10倍速").speed is None  # outside 0.5–2: not a speed we can honour
    assert parse_instructions("raise it by 20 semitones").pitch == 6.0  # bounded to the pitch range


def test_describe_is_an_ascii_header_value() -> None:
    assert parse_instructions("用悲伤的语气，慢一点").describe() == "emotion=sad;intensity=1;speed=0.9"
    assert parse_instructions("hello").describe() == "none"
    assert parse_instructions("用悲伤的语气").describe().isascii()


def test_limits_and_types() -> None:
    assert parse_instructions(None).options() == {}
    with pytest.raises(InvalidOptionError) as info:
        parse_instructions("慢" * (MAX_INSTRUCTIONS + 1))
    assert info.value.field == "instructions"
    with pytest.raises(InvalidOptionError):
        parse_instructions(3)  # type: ignore[arg-type]


def test_instructions_change_the_real_audio(engine: Any) -> None:
    """On the real model: an instruction gives the same audio as the options it maps to, and differs from
    none (slower is longer; a different emotion changes the samples)."""
    text = "我一个人走在雨夜里，感觉有点孤单。"
    plain = engine.synthesize(text).samples
    style = parse_instructions("用悲伤的语气，语速慢一点")
    sad_slow = engine.synthesize(text, options=SynthesisOptions.from_kwargs(**style.options())).samples
    explicit = engine.synthesize(text, options=SynthesisOptions(emotion="sad", speed=0.9)).samples
    assert np.array_equal(sad_slow, explicit)
    assert len(sad_slow) > len(plain) * 1.05
    happy = engine.synthesize(text, options=SynthesisOptions.from_kwargs(
        **parse_instructions("speak happily").options())).samples
    assert not np.array_equal(happy, plain)
