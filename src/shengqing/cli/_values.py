"""edge-tts-style option values: ``--rate +10%``, ``--volume -20%``, ``--pitch +2st`` or ``+20Hz``.

Each parser returns our own unit (speed factor, linear gain, semitones) or raises
:class:`~shengqing.errors.InvalidOptionError` naming the option and the accepted forms.
"""

from __future__ import annotations

import math
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
    """``+2st``, ``-3 semitones`` or a plain number of semitones; ``+20Hz``/``-30Hz`` are converted as SSML
    converts them, relative to the voice's typical pitch (:data:`shengqing.ssml.REFERENCE_F0_HZ`):
    semitones = 12·log2((F0 + Hz) / F0). Values outside the allowed range are refused, not clamped."""
    from ..ssml import REFERENCE_F0_HZ

    text = value.strip()
    if match := _HERTZ.match(text):
        hertz = float(match.group(1))
        target = REFERENCE_F0_HZ + hertz if text[0] in "+-" else hertz
        if target <= 0:
            raise InvalidOptionError(f"--pitch {value}: gives a frequency at or below 0 Hz", field="pitch",
                                     value=value, hint=f"the voice speaks around {REFERENCE_F0_HZ:g} Hz")
        return round(12 * math.log2(target / REFERENCE_F0_HZ), 3)
    match = _SEMITONES.match(text)
    if match is None:
        raise InvalidOptionError(f"--pitch {value!r} is not a pitch shift", field="pitch", value=value,
                                 hint="give semitones (+2st, -3st, 1.5) or Hz (+20Hz)")
    return float(match.group(1))


def _relative(value: str, name: str, forms: str) -> float:
    text = value.strip()
    if match := _PERCENT.match(text):
        return round(1.0 + float(match.group(1)) / 100.0, 6)
    if match := _PLAIN.match(text):
        return float(match.group(1))
    raise InvalidOptionError(f"--{name} {value!r} is not a valid value", field=name, value=value,
                             hint=f"give {forms}")
