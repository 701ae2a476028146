"""Timestamps from the acoustic model's own durations: when each character, word and phrase is spoken.

The acoustic model returns how many mel frames each phone id lasts (speed, emotion and the phrase's controls
already applied), and the vocoder turns every frame into exactly ``FRAME_SAMPLES`` samples, so a phone's place
in the audio is known to the sample. A syllable lasts from its first phone to the first phone of the next
syllable (the prosody mark between two syllables carries the end of the first one's vowel); the phrase's
leading ``sil``, its ``eos`` frames and the pause after it lie between phrases (see :func:`syllable_frames`
for the measurements behind the edges). Syllables that read the same characters of the input ("2024" read
二零二四) form one entry; see :mod:`shengqing.frontend.align` for how characters are traced back through
normalization.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .acoustic import FRAME_SAMPLES
from .frontend.align import SyllableSource

_GAP_PHONES = frozenset({"sil", "eos", "pad"})
ZERO_INITIAL = "^"
#: A mel frame quieter than this (RMS, dB re full scale) is silence when a phrase's edges are placed.
SILENCE_DBFS = -50.0
_SILENCE_RMS = 10 ** (SILENCE_DBFS / 20)


class Timed:
    """Something heard from ``start_sample`` to ``end_sample`` of the output audio."""

    start_sample: int
    end_sample: int
    sample_rate: int

    @property
    def start_time(self) -> float:
        """Start in seconds."""
        return self.start_sample / self.sample_rate

    @property
    def end_time(self) -> float:
        """End in seconds."""
        return self.end_sample / self.sample_rate


@dataclass(frozen=True)
class TimedText(Timed):
    """A stretch of the input text and when it is heard.

    ``start``/``end``: character offsets ``[start, end)`` in the text given to ``synthesize`` (the SSML
    document itself for SSML); ``start_sample``/``end_sample``: ``[start, end)`` in the output audio;
    ``readings``: the toned pinyin syllables spoken for it.
    """

    text: str
    start: int
    end: int
    start_sample: int
    end_sample: int
    readings: tuple[str, ...]
    sample_rate: int = field(default=24000, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": round(self.start_time, 4), "end": round(self.end_time, 4),
                "start_sample": self.start_sample, "end_sample": self.end_sample,
                "char_start": self.start, "char_end": self.end, "readings": list(self.readings)}


@dataclass(frozen=True)
class Timestamps:
    """Character-, word- and phrase-level timings of one synthesis (or of one streamed chunk)."""

    characters: tuple[TimedText, ...] = ()
    words: tuple[TimedText, ...] = ()
    phrases: tuple[TimedText, ...] = ()
    sample_rate: int = 24000

    @classmethod
    def join(cls, parts: Iterable[Timestamps]) -> Timestamps:
        """The timestamps of consecutive chunks (already in the whole output's timeline) as one."""
        items = list(parts)
        rate = items[0].sample_rate if items else cls.sample_rate
        return cls(tuple(t for p in items for t in p.characters), tuple(t for p in items for t in p.words),
                   tuple(t for p in items for t in p.phrases), rate)

    def shifted(self, samples: int, chars: int = 0) -> Timestamps:
        """The same timings ``samples`` later and ``chars`` further into a longer text (joining chapters)."""
        def move(items: tuple[TimedText, ...]) -> tuple[TimedText, ...]:
            return tuple(replace(t, start=t.start + chars, end=t.end + chars, start_sample=t.start_sample + samples,
                                 end_sample=t.end_sample + samples) for t in items)

        return Timestamps(move(self.characters), move(self.words), move(self.phrases), self.sample_rate)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: times in seconds (rounded to 0.1 ms) and exact sample positions."""
        return {"sample_rate": self.sample_rate, "frame_seconds": FRAME_SAMPLES / self.sample_rate,
                "characters": [t.to_dict() for t in self.characters],
                "words": [t.to_dict() for t in self.words],
                "phrases": [t.to_dict() for t in self.phrases]}


def syllable_starts(phones: Sequence[str]) -> list[int]:
    """Index of each syllable's first sounding phone.

    A syllable's phones follow ``sil`` or a prosody mark; the zero-initial placeholder ``^`` is no sound
    (measured: silent at a phrase start, the previous vowel's transition inside one), so a syllable that
    has it starts at its final.
    """
    starts = [i for i in range(1, len(phones)) if phones[i] not in _GAP_PHONES and not phones[i].startswith("#")
              and (phones[i - 1] in _GAP_PHONES or phones[i - 1].startswith("#"))]
    return [i + 1 if phones[i] == ZERO_INITIAL and i + 1 < len(phones) else i for i in starts]


def syllable_frames(phones: Sequence[str], durations: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` mel frames of each syllable of one phrase (``phones`` ends with ``sil``, ``eos``).

    A syllable ends where the next one starts; the last one ends where ``eos`` starts: the closing ``sil``
    carries the last vowel's decay (measured: as loud as speech), the ``eos`` frames and the pause after
    the phrase are the gap to the next one.
    """
    if len(phones) != len(durations):
        raise ValueError(f"{len(durations)} durations for {len(phones)} phones")
    edges = np.concatenate([[0], np.cumsum(np.asarray(durations, np.int64))])
    closing = len(phones) - 1 if phones and phones[-1] == "eos" else len(phones)
    bounds = [*syllable_starts(phones[:closing]), closing]
    return [(int(edges[a]), int(edges[b])) for a, b in itertools.pairwise(bounds)]


def audible(samples: np.ndarray) -> np.ndarray:
    """One flag per mel frame of ``samples`` (int16): is its RMS level above :data:`SILENCE_DBFS`?"""
    frames = len(samples) // FRAME_SAMPLES
    blocks = np.asarray(samples[:frames * FRAME_SAMPLES], np.float64).reshape(frames, FRAME_SAMPLES) / 32768.0
    level: np.ndarray = np.sqrt(np.mean(blocks * blocks, axis=1)) > _SILENCE_RMS
    return level


def audible_edges(frames: list[tuple[int, int]], loud: np.ndarray) -> list[tuple[int, int]]:
    """Place the phrase's outer edges on the audio: the first syllable starts at the first audible frame
    before its end, the last one ends after the last audible frame from its start on (its closing ``sil``
    and ``eos`` included). Inner boundaries stay the model's."""
    if not frames or not loud.any():
        return frames
    out = list(frames)
    first = np.flatnonzero(loud[:out[0][1]])
    if len(first):
        out[0] = (int(first[0]), out[0][1])
    last = np.flatnonzero(loud[out[-1][0]:])
    if len(last):
        out[-1] = (out[-1][0], max(out[-1][0] + int(last[-1]) + 1, out[-1][0] + 1))
    if len(out) == 1 or out[0][0] < out[0][1]:
        return out
    return frames


def phrase_timestamps(text: str, sources: Sequence[SyllableSource], phones: Sequence[str], durations: np.ndarray,
                      offset: int, sample_rate: int, samples: np.ndarray | None = None) -> Timestamps:
    """Timestamps of one phrase whose audio starts at sample ``offset`` of the output.

    ``phones`` and ``durations`` are the acoustic model's input ids (``eos`` included) and its frames per
    id; ``sources`` one per syllable (:attr:`shengqing.frontend.Phrase.sources`); ``text`` the input;
    ``samples`` the phrase's audio (without the pause after it): when given, the phrase's outer edges are
    placed on it (:func:`audible_edges`).
    """
    frames = syllable_frames(phones, durations) if sources else []
    if len(frames) != len(sources) or not frames:
        return Timestamps(sample_rate=sample_rate)
    if samples is not None:
        frames = audible_edges(frames, audible(samples))
    timed = [(s, offset + a * FRAME_SAMPLES, offset + b * FRAME_SAMPLES)
             for s, (a, b) in zip(sources, frames, strict=True)]

    def group(key: str) -> tuple[TimedText, ...]:
        out: list[TimedText] = []
        for source, start, end in timed:
            lo, hi = (source.start, source.end) if key == "char" else (source.word_start, source.word_end)
            last = out[-1] if out else None
            if last is not None and ((lo < last.end and last.start < hi) or (lo, hi) == (last.start, last.end)):
                lo, hi = min(lo, last.start), max(hi, last.end)
                out[-1] = TimedText(text[lo:hi], lo, hi, last.start_sample, end, (*last.readings, source.reading),
                                    sample_rate)
            else:
                out.append(TimedText(text[lo:hi], lo, hi, start, end, (source.reading,), sample_rate))
        return tuple(out)

    lo, hi = min(s.start for s in sources), max(s.end for s in sources)
    phrase = TimedText(text[lo:hi], lo, hi, timed[0][1], timed[-1][2], tuple(s.reading for s in sources),
                       sample_rate)
    return Timestamps(group("char"), group("word"), (phrase,), sample_rate)


__all__ = ["Timed", "TimedText", "Timestamps", "phrase_timestamps", "syllable_frames", "syllable_starts"]
