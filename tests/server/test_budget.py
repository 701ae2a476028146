"""The per-request budget, estimated before any work (unit: no model)."""

from __future__ import annotations

import pytest

from shengqing.options import SynthesisOptions
from shengqing.server.budget import check_budget
from shengqing.server.errors import OverBudgetError
from shengqing.server.schemas import Job
from shengqing.server.settings import Settings

SETTINGS = Settings(max_audio_seconds=600, max_audio_seconds_stream=7200, max_silence_seconds=60)


def job(text: str, *, ssml: bool = False, stream: bool = False, speed: float = 1.0) -> Job:
    return Job(text=text, options=SynthesisOptions(speed=speed), format="wav", voice="baker", ssml=ssml,
               stream=stream)


def test_silence_up_to_the_budget_passes_beyond_is_413() -> None:
    check_budget(SETTINGS, job("<speak>" + '<break time="10s"/>' * 6 + "好</speak>", ssml=True))
    with pytest.raises(OverBudgetError, match="silence"):
        check_budget(SETTINGS, job("<speak>" + '<break time="10s"/>' * 6 + '<break time="1s"/>好</speak>',
                                   ssml=True))


def test_markup_is_not_counted_as_speech() -> None:
    check_budget(SETTINGS, job("<speak>" + '<s><emotion category="happy">今天天气很好。</emotion></s>' * 280
                               + "</speak>", ssml=True))


def test_speech_over_the_budget_is_413_and_streams_have_more() -> None:
    slow = job("好" * 2000, speed=0.5)  # ≈ 800 s at half speed
    with pytest.raises(OverBudgetError, match="stream"):
        check_budget(SETTINGS, slow)
    check_budget(SETTINGS, job("好" * 2000, speed=0.5, stream=True))
    check_budget(SETTINGS, job("好" * 2000))  # ≈ 400 s at normal speed
