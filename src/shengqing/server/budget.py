"""The per-request resource budget, checked before any work.

Text length alone does not bound what a request costs: a 20 KB SSML document of ``<break time="10s"/>``
asks for three hours of silence (500 MB of PCM). Before a request takes a slot its cost is estimated —
the silence its ``<break>`` elements ask for (exact, from parsing the document) plus its speech (a
generous rate per spoken character at its speed) — and refused with 413 when over the budget. The worker
thread also counts the samples it really produces and stops at the budget (:mod:`.streaming`), so an
estimate that was too low can never run away either.
"""

from __future__ import annotations

import re
import unicodedata

from ..options import SPEED_RANGE
from ..ssml import silence_ms
from .errors import OverBudgetError
from .schemas import Job
from .settings import Settings

#: seconds of speech per spoken character at speed 1 (the voice says ≈ 4–5 characters a second)
SECONDS_PER_CHAR = 0.2
_MARKUP = re.compile(r"<[^>]*>")


def audio_budget(settings: Settings, job: Job) -> float:
    """Seconds of audio this request may produce (streams have the larger budget)."""
    return float(settings.max_audio_seconds_stream if job.stream else settings.max_audio_seconds)


def check_budget(settings: Settings, job: Job) -> None:
    """Raise :class:`OverBudgetError` (413) when ``job`` would exceed the silence or audio budget."""
    silence = silence_ms(job.text) / 1000 if job.ssml else 0.0
    if silence > settings.max_silence_seconds:
        raise OverBudgetError(f"the SSML asks for {silence:g} s of silence; the limit is "
                              f"{settings.max_silence_seconds:g} s per request", field="text",
                              value=round(silence, 1),
                              hint="use fewer or shorter <break> elements (SHENGQING_MAX_SILENCE_SECONDS)")
    text, slowest = job.text, job.options.speed
    if job.ssml:
        text = _MARKUP.sub("", text)  # the words, not the tags and attributes
        if "<prosody" in job.text:
            slowest = SPEED_RANGE[0]  # <prosody rate> can slow any span
    speech = spoken_chars(text) * SECONDS_PER_CHAR / slowest
    limit = audio_budget(settings, job)
    if silence + speech > limit:
        hint = ("stream it (stream=true) or split the text" if not job.stream
                else "split the text into several requests")
        raise OverBudgetError(f"the text would give about {silence + speech:.0f} s of audio; the limit is "
                              f"{limit:g} s per {'streamed ' if job.stream else ''}request", field="text",
                              value=round(silence + speech), hint=hint)


def spoken_chars(text: str) -> int:
    """Characters that become speech: letters (Han included) and digits."""
    return sum(1 for char in text if unicodedata.category(char)[0] in "LN")
