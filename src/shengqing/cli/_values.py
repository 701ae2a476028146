"""edge-tts-style option values: ``--rate +10%``, ``--volume -20%``, ``--pitch +2st``.

Each parser returns our own unit (speed factor, linear gain, semitones) or raises
:class:`~shengqing.errors.InvalidOptionError` naming the option and the accepted forms.
"""

from __future__ import annotations

import re

from ..errors import InvalidOptionError

_NUMBER = r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))"
_PERCENT = re.compile(rf"^{_NUMBER}\s*%$")
_PLAIN = re.compile(rf"^{_NUMBER}$")
_SEMITONES = re.compile(rf"^{_NUMBER}\s*(st|semitones?)?$", re.IGNORECASE)
_HERTZ = re.compile(rf"^{_NUMBER}\s*hz$", re.IGNORECASE)


def parse_rate(value: str) -> float:
    """``+10%`` → speed 1.1; ``-50%`` → 0.5; a plain number is the speed factor itself (``1.2``)."""
    return _relative(value, "rate", "+10%, -25% or a speed factor such as 1.2")


def parse_volume(value: str) -> float:
    """``-20%`` → gain 0.8; ``+50%`` → 1.5; a plain number is the linear gain itself (``0.8``)."""
    return _relative(value, "volume", "-20%, +50% or a linear gain such as 0.8")


def parse_pitch(value: str) -> float:
    """``+2st``, ``-3 semitones`` or a plain number of semitones. Hertz are refused: a shift in Hz is a
    different interval for every note of the voice, so no single semitone value equals it."""
    text = value.strip()
    if _HERTZ.match(text):
        raise InvalidOptionError(f"--pitch {value}: shifts in Hz are not supported", field="pitch", value=value,
                                 hint="give semitones, e.g. --pitch +2st (+1 st ≈ +6% in frequency)")
    match = _SEMITONES.match(text)
    if match is None:
        raise InvalidOptionError(f"--pitch {value!r} is not a pitch shift", field="pitch", value=value,
                                 hint="give semitones: +2st, -3st or 1.5")
    return float(match.group(1))


def _relative(value: str, name: str, forms: str) -> float:
    text = value.strip()
    if match := _PERCENT.match(text):
        return round(1.0 + float(match.group(1)) / 100.0, 6)
    if match := _PLAIN.match(text):
        return float(match.group(1))
    raise InvalidOptionError(f"--{name} {value!r} is not a valid value", field=name, value=value,
                             hint=f"give {forms}")
