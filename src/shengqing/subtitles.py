"""Subtitles from :class:`~shengqing.timestamps.Timestamps`: SRT, WebVTT and JSON.

Cues follow the speech: consecutive phrases are joined into one cue while the cue stays within
``max_chars`` characters and ``max_seconds`` and no sentence ends inside it; a phrase longer than that is
cut between words. A cue starts when its first character is heard and ends when its last one is.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidOptionError
from .timestamps import Timed, TimedText, Timestamps

MAX_CUE_CHARS = 20  # a common limit for one line of Chinese subtitles
MAX_CUE_SECONDS = 7.0
FORMATS = {".srt": "srt", ".vtt": "vtt", ".json": "json"}
_SENTENCE_END = set("。！？!?…\n")
_TRAILING = set("。！？!?…，,、；;：:”’」』）)》〉】]\"'")
_DROP_AT_END = set("，,、；;：:")
_MARKUP = re.compile(r"<[^<>]*>")  # SSML tags between two spoken characters


@dataclass(frozen=True)
class Cue(Timed):
    """One subtitle: its text and when it is on screen (samples of the output audio)."""

    text: str
    start_sample: int
    end_sample: int
    sample_rate: int = 24000


def _cue_text(chars: Sequence[TimedText], text: str) -> str:
    """The input's text from the first character to the last, markup left out, with closing punctuation."""
    out = [chars[0].text]
    for prev, char in itertools.pairwise(chars):
        between = text[prev.end:char.start]
        out.append(_MARKUP.sub("", between) + char.text)
    end = chars[-1].end
    while end < len(text) and text[end] in _TRAILING:
        end += 1
    tail = text[chars[-1].end:end].rstrip("".join(_DROP_AT_END))
    return " ".join("".join([*out, tail]).split())


def _ends_sentence(text: str, end: int) -> bool:
    while end < len(text) and text[end] in " \t\"'”’」』）)":
        end += 1
    return end >= len(text) or text[end] in _SENTENCE_END


def _split(chars: list[TimedText], words: Sequence[TimedText], max_chars: int) -> list[list[TimedText]]:
    """Cut a phrase's characters into pieces of at most ``max_chars``, between words when possible."""
    starts = {w.start for w in words}
    pieces: list[list[TimedText]] = [[]]
    for char in chars:
        size = sum(len(c.text) for c in pieces[-1])
        if pieces[-1] and size + len(char.text) > max_chars:
            cut = max((i for i, c in enumerate(pieces[-1]) if i and c.start in starts), default=0)
            if char.start in starts or not cut:
                pieces.append([])
            else:
                pieces[-1], moved = pieces[-1][:cut], pieces[-1][cut:]
                pieces.append(moved)
        pieces[-1].append(char)
    return [p for p in pieces if p]


def cues(timestamps: Timestamps, text: str, *, max_chars: int = MAX_CUE_CHARS,
         max_seconds: float = MAX_CUE_SECONDS) -> list[Cue]:
    """Subtitle cues for ``timestamps`` of ``text`` (the text given to the synthesizer)."""
    if max_chars < 1:
        raise InvalidOptionError(f"max_chars must be at least 1, got {max_chars}", field="max_chars")
    rate = timestamps.sample_rate
    groups: list[list[TimedText]] = []
    open_group = False
    for phrase in timestamps.phrases:
        chars = [c for c in timestamps.characters
                 if c.start_sample >= phrase.start_sample and c.end_sample <= phrase.end_sample]
        if not chars:
            continue
        for piece in _split(chars, timestamps.words, max_chars):
            last = groups[-1] if groups and open_group else None
            size = sum(len(c.text) for c in last) if last else 0
            if last and size + sum(len(c.text) for c in piece) <= max_chars \
                    and (piece[-1].end_sample - last[0].start_sample) / rate <= max_seconds:
                last.extend(piece)
            else:
                groups.append(list(piece))
            open_group = not _ends_sentence(text, piece[-1].end)
    return [Cue(_cue_text(g, text), g[0].start_sample, g[-1].end_sample, rate) for g in groups]


def _clock(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def to_srt(items: Sequence[Cue]) -> str:
    """SubRip text: numbered cues, ``HH:MM:SS,mmm`` times."""
    return "".join(f"{i}\n{_clock(c.start_time, ',')} --> {_clock(c.end_time, ',')}\n{c.text}\n\n"
                   for i, c in enumerate(items, 1))


def to_vtt(items: Sequence[Cue]) -> str:
    """WebVTT text: ``HH:MM:SS.mmm`` times."""
    return "WEBVTT\n\n" + "".join(f"{_clock(c.start_time, '.')} --> {_clock(c.end_time, '.')}\n{c.text}\n\n"
                                  for c in items)


def to_json(timestamps: Timestamps, text: str, *, max_chars: int = MAX_CUE_CHARS,
            max_seconds: float = MAX_CUE_SECONDS) -> str:
    """Characters, words, phrases and the cues, as one JSON document."""
    doc = timestamps.to_dict()
    doc["cues"] = [{"text": c.text, "start": round(c.start_time, 4), "end": round(c.end_time, 4)}
                   for c in cues(timestamps, text, max_chars=max_chars, max_seconds=max_seconds)]
    return json.dumps(doc, ensure_ascii=False, indent=1)


def subtitle_format(path: str | Path) -> str:
    """``srt``, ``vtt`` or ``json`` from a file name; :class:`InvalidOptionError` for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidOptionError(f"subtitle file {str(path)!r} must end in .srt, .vtt or .json", field="subtitles",
                                 hint="name the file like out.srt, out.vtt or out.json")
    return FORMATS[suffix]


def render(fmt: str, timestamps: Timestamps, text: str) -> str:
    """Subtitles of ``timestamps`` as ``srt``, ``vtt`` or ``json`` text."""
    if fmt == "json":
        return to_json(timestamps, text)
    items = cues(timestamps, text)
    if fmt == "srt":
        return to_srt(items)
    if fmt == "vtt":
        return to_vtt(items)
    raise InvalidOptionError(f"unknown subtitle format {fmt!r}", field="subtitles", hint="use srt, vtt or json")


__all__ = ["MAX_CUE_CHARS", "MAX_CUE_SECONDS", "Cue", "cues", "render", "subtitle_format", "to_json", "to_srt",
           "to_vtt"]
