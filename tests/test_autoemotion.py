"""emotion="auto": per-sentence choices from the text, explainable, deterministic, opt-in."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from shengqing import autoemotion
from shengqing.errors import InvalidOptionError
from shengqing.options import SynthesisOptions

STORY = ("他生气地吼道：“你给我滚出去！”她吓得浑身发抖，不敢说话。今天天气很好。"
         "“天哪，你竟然来了？！”“我一点也不高兴。”")


def test_choices_and_reasons() -> None:
    choices = autoemotion.explain(STORY)
    assert [c.emotion for c in choices] == ["angry", "fear", "neutral", "surprise", "sad"]
    assert "".join(c.sentence for c in choices) == STORY  # the sentences cover the text exactly
    angry = choices[0]
    assert angry.dialogue and ("生气", "angry", 1.0) in angry.words and any("！" in c for c in angry.cues)
    assert "生气→angry" in angry.reason()
    assert not choices[1].dialogue and 0 < choices[1].intensity <= autoemotion.MAX_INTENSITY
    assert choices[4].words == (("不高兴", "sad", 0.5),)  # negated happiness leans sad


def test_narration_is_voiced_softer_than_dialogue() -> None:
    assert autoemotion.choose("他很伤心。", dialogue=True).emotion == "sad"
    assert autoemotion.choose("他很伤心，哭了。", dialogue=False).emotion == "sad"
    assert autoemotion.choose("他把书放在桌上。", dialogue=False).emotion == "neutral"
    quiet = autoemotion.choose("他很伤心，哭了。", dialogue=False)
    loud = autoemotion.choose("他很伤心，哭了。", dialogue=True)
    assert quiet.intensity < loud.intensity


def test_auto_is_an_option_value_and_typos_still_fail() -> None:
    assert SynthesisOptions(emotion=" AUTO ").emotion == "auto"
    with pytest.raises(InvalidOptionError) as info:
        SynthesisOptions(emotion="autoo")
    assert info.value.field == "emotion" and "auto" in (info.value.hint or "")


def test_plan_scales_the_chosen_intensity() -> None:
    base = SynthesisOptions(emotion="auto", intensity=0.5, speed=1.2)
    planned = autoemotion.plan("“你给我滚出去！”", base)
    assert planned[0][1].emotion == "angry" and planned[0][1].speed == 1.2
    chosen = autoemotion.choose("“你给我滚出去！”", dialogue=True)
    assert planned[0][1].intensity == pytest.approx(0.5 * chosen.intensity)


def test_auto_synthesis_equals_its_per_sentence_choices(fast_engine: object) -> None:
    """The audio of auto is exactly the audio of each sentence with the emotion chosen for it."""
    text = "“你给我滚出去！”今天天气很好。"
    engine = fast_engine
    auto = engine.synthesize(text, emotion="auto")  # type: ignore[attr-defined]
    again = engine.synthesize(text, emotion="auto")  # type: ignore[attr-defined]
    assert np.array_equal(auto.samples, again.samples)  # deterministic
    angry = engine.synthesize("“你给我滚出去！”今天天气很好。", emotion="neutral")  # type: ignore[attr-defined]
    assert not np.array_equal(auto.samples, angry.samples)
    parts = autoemotion.plan(text, SynthesisOptions(emotion="auto"))
    assert [o.emotion for _, o in parts] == ["angry", "neutral"]
    first = engine.synthesize(parts[0][0], options=parts[0][1])  # type: ignore[attr-defined]
    last = engine.synthesize(parts[1][0], options=parts[1][1])  # type: ignore[attr-defined]
    assert np.array_equal(auto.samples[:len(first.samples)], first.samples)
    assert np.array_equal(auto.samples[-len(last.samples):], last.samples)


def test_auto_on_a_neutral_sentence_is_the_neutral_audio(fast_engine: object) -> None:
    engine = fast_engine
    text = "今天天气很好。\n我们在家里看书。"  # the paragraph pause is kept too
    assert [c.emotion for c in autoemotion.explain(text)] == ["neutral", "neutral"]
    assert np.array_equal(engine.synthesize(text, emotion="auto").samples,  # type: ignore[attr-defined]
                          engine.synthesize(text).samples)  # type: ignore[attr-defined]


def test_auto_in_ssml(fast_engine: object) -> None:
    engine = fast_engine
    ssml = '<speak><emotion category="auto">你给我滚出去！</emotion></speak>'
    got = engine.synthesize(ssml)  # type: ignore[attr-defined]
    chosen = autoemotion.resolve("你给我滚出去！", SynthesisOptions(emotion="auto"))
    assert chosen.emotion == "angry"
    same = f'<speak><emotion category="angry" intensity="{chosen.intensity}">你给我滚出去！</emotion></speak>'
    assert np.array_equal(got.samples, engine.synthesize(same).samples)  # type: ignore[attr-defined]
    neutral = engine.synthesize("<speak>你给我滚出去！</speak>")  # type: ignore[attr-defined]
    assert not np.array_equal(got.samples, neutral.samples)


def test_phonemize_shows_the_choice() -> None:
    result = subprocess.run([sys.executable, "-m", "shengqing.cli", "phonemize", "--emotion", "auto",
                             "“你给我滚出去！”"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "emotion: angry" in result.stdout and "滚出去" in result.stdout and "dialogue" in result.stdout
