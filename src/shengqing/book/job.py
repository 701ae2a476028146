"""What one book run is (:class:`BookJob`) and the work of one item (:func:`render_item`), shared by the
local runner and the Ray actors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..audio import FORMATS, Audio
from ..options import SynthesisOptions
from .sources import Item

if TYPE_CHECKING:
    from ..engine import Synthesizer


@dataclass(frozen=True)
class BookJob:
    items: Sequence[Item]
    outdir: Path
    fmt: str = "wav"
    options: SynthesisOptions = field(default_factory=SynthesisOptions)
    joined: str | None = None  # file name of the joined MP3 with chapter marks
    title: str = ""
    engine_info: dict[str, Any] = field(default_factory=dict)  # kernels and model: part of each item's key
    subtitles: tuple[str, ...] = ("srt",)  # subtitle files written beside each item: srt, vtt, json

    def item_options(self, item: Item) -> SynthesisOptions:
        return self.options.replace(**item.options)

    def file_name(self, item: Item) -> str:
        return f"{item.id}{FORMATS[self.fmt][1]}"

    def key(self, item: Item) -> str:
        """Everything the item's bytes depend on: a changed text, option or model redoes the item."""
        material: dict[str, Any] = {"text": item.text, "options": self.item_options(item).to_dict(),
                                    "format": self.fmt, "engine": self.engine_info, "version": __version__}
        if self.subtitles:  # (absent when none: keys of runs without subtitles stay as they were)
            material["subtitles"] = list(self.subtitles)
        return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Rendered:
    """One item's encoded audio and subtitle texts by format (what a worker sends back)."""

    data: bytes
    samples: int
    chars: int
    subtitles: dict[str, str] = field(default_factory=dict)


def render_item(engine: Synthesizer, text: str, options: SynthesisOptions, fmt: str,
                on_chunk: Callable[[int, float], None] | None = None,
                subtitles: Sequence[str] = ()) -> Rendered:
    """Synthesize one item, encode it and render its ``subtitles`` formats (timed by the model's durations;
    asking for them leaves the audio unchanged); ``on_chunk(chars, audio_seconds)`` after each phrase."""
    chunks = []
    reported = 0  # a phrase's text is normalized (no punctuation): the rest is reported at the end
    for chunk in engine.stream(text, options=options, timestamps=bool(subtitles)):
        chunks.append(chunk)
        if on_chunk is not None:
            step = min(len(chunk.text), len(text) - reported)
            reported += step
            on_chunk(step, chunk.duration)
    if on_chunk is not None and reported < len(text):
        on_chunk(len(text) - reported, 0.0)
    audio = Audio.concatenate(chunks)
    texts: dict[str, str] = {}
    if subtitles:
        from ..subtitles import render
        from ..timestamps import Timestamps

        stamps = audio.timestamps or Timestamps()
        texts = {kind: render(kind, stamps, text) for kind in subtitles}
    return Rendered(data=audio.encode(fmt), samples=len(audio.samples), chars=len(text), subtitles=texts)
