"""Emotion presets → per-phoneme prosody controls for the acoustic model.

(First version: names and aliases only; the emotion issue fills in the preset tables.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .acoustic import PhonemeControls
from .errors import InvalidOptionError
from .options import SynthesisOptions

EMOTIONS = ("neutral", "happy", "sad", "angry", "fear", "hate", "surprise", "gentle", "serious")
ALIASES = {
    "disgust": "hate", "中性": "neutral", "开心": "happy", "高兴": "happy", "悲伤": "sad", "难过": "sad",
    "生气": "angry", "愤怒": "angry", "害怕": "fear", "恐惧": "fear", "厌恶": "hate", "惊讶": "surprise",
    "温柔": "gentle", "严肃": "serious", "fearful": "fear", "surprised": "surprise",
}


def canonical_emotion(name: str) -> str:
    """Preset name for ``name`` (case-insensitive, Chinese aliases accepted)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in EMOTIONS:
        raise InvalidOptionError(f"unknown emotion {name!r}", field="emotion", value=name,
                                 hint=f"use one of: {', '.join(EMOTIONS)} (or a Chinese alias)")
    return key


def phrase_controls(phones: Sequence[str], options: SynthesisOptions, *, final_punct: str = "",
                    sentence_end: bool = True) -> PhonemeControls:
    """Controls for one phrase (``phones`` includes the trailing ``eos``)."""
    del options, final_punct, sentence_end
    return PhonemeControls.neutral(len(phones))


def transform_mel(mel: np.ndarray, options: SynthesisOptions) -> np.ndarray:
    """Mel-domain adjustments applied before the vocoder (identity for now)."""
    del options
    return mel


def describe_presets() -> dict[str, dict[str, object]]:
    """Every preset's parameters at intensity 1.0 (shown by ``shengqing emotions``)."""
    return {name: {} for name in EMOTIONS}
