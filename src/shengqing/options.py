"""Per-request synthesis options, validated with errors that name the field, the value and what is allowed."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from .errors import InvalidOptionError

SPEED_RANGE = (0.5, 2.0)
INTENSITY_RANGE = (0.0, 2.0)
PITCH_RANGE = (-6.0, 6.0)  # measured natural range −4…+6 st; beyond −6 the voice breaks (docs/emotions.md)
VOLUME_RANGE = (0.0, 2.0)

#: emotion presets (their parameters are in :mod:`shengqing.emotion`) and the other names accepted for them
#: ``emotion="auto"``: chosen per sentence from the text (:mod:`shengqing.autoemotion`)
AUTO_EMOTION = "auto"
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
                                 hint=f"use one of: {', '.join(EMOTIONS)}, auto (or a Chinese alias)")
    return key


def _number(name: str, value: Any, bounds: tuple[float, float]) -> float:
    low, high = bounds
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidOptionError(f"{name} must be a number from {low:g} to {high:g}", field=name,
                                 value=value if isinstance(value, str | int | float) else repr(value),
                                 hint=f"allowed: {low:g}–{high:g}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidOptionError(f"{name} must be from {low:g} to {high:g}, got {value!r}", field=name,
                                 value=value, hint=f"allowed: {low:g}–{high:g}")
    return number


@dataclass(frozen=True)
class SynthesisOptions:
    """What one request may change. Defaults give the natural neutral voice.

    * ``speed`` 0.5–2.0: 1.0 natural, 2.0 twice as fast.
    * ``emotion`` a preset name or alias (``shengqing emotions`` lists them), or ``"auto"`` (chosen per
      sentence from the text, see :mod:`shengqing.autoemotion`); ``intensity`` 0.0–2.0 (with ``auto``, a
      factor on the chosen intensity).
    * ``pitch`` in semitones −6…+6 (natural −4…+6), ``volume`` a linear gain 0.0–2.0 (a limiter prevents
      clipping).
    """

    speed: float = 1.0
    emotion: str = "neutral"
    intensity: float = 1.0
    pitch: float = 0.0
    volume: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "speed", _number("speed", self.speed, SPEED_RANGE))
        object.__setattr__(self, "intensity", _number("intensity", self.intensity, INTENSITY_RANGE))
        object.__setattr__(self, "pitch", _number("pitch", self.pitch, PITCH_RANGE))
        object.__setattr__(self, "volume", _number("volume", self.volume, VOLUME_RANGE))
        if not isinstance(self.emotion, str):
            raise InvalidOptionError("emotion must be a string", field="emotion", value=self.emotion)
        auto = self.emotion.strip().lower() == AUTO_EMOTION
        object.__setattr__(self, "emotion", AUTO_EMOTION if auto else canonical_emotion(self.emotion))

    @classmethod
    def from_kwargs(cls, **options: Any) -> SynthesisOptions:
        allowed = set(cls.__dataclass_fields__)
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise InvalidOptionError(f"unknown option {unknown[0]!r}", field=unknown[0],
                                     hint=f"allowed options: {', '.join(sorted(allowed))}")
        return cls(**{k: v for k, v in options.items() if v is not None})

    def replace(self, **changes: Any) -> SynthesisOptions:
        merged = asdict(self)
        merged.update({k: v for k, v in changes.items() if v is not None})
        return SynthesisOptions(**merged)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
