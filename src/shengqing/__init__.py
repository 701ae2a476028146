"""声情 shengqing — offline Chinese multi-emotion text-to-speech.

Public API (imported lazily so that ``import shengqing`` stays cheap)::

    from shengqing import Synthesizer
    with Synthesizer() as tts:
        audio = tts.synthesize("你好，欢迎使用语音合成服务。", emotion="happy")
        open("hello.wav", "wb").write(audio.encode("wav"))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    AuthError,
    ConfigError,
    EncoderUnavailableError,
    InvalidOptionError,
    LexiconError,
    ModelCorruptError,
    ModelError,
    ModelNotInstalledError,
    NothingToSayError,
    NotReproducibleError,
    OverloadedError,
    ShengqingError,
    SSMLError,
    SynthesisTimeoutError,
    TextTooLongError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from .audio import Audio, AudioChunk, StageTimings
    from .engine import Synthesizer
    from .frontend import Frontend, Lexicon
    from .models.store import ModelStore
    from .options import SynthesisOptions
    from .runtime import KernelMode
    from .timestamps import TimedText, Timestamps

_LAZY = {
    "Synthesizer": "engine", "Audio": "audio", "AudioChunk": "audio", "StageTimings": "audio",
    "SynthesisOptions": "options", "KernelMode": "runtime", "ModelStore": "models.store",
    "Frontend": "frontend", "Lexicon": "frontend",
    "Timestamps": "timestamps", "TimedText": "timestamps",
}

__all__ = [
    "Audio", "AudioChunk", "AuthError", "ConfigError", "EncoderUnavailableError", "Frontend",
    "InvalidOptionError", "KernelMode", "Lexicon", "LexiconError", "ModelCorruptError", "ModelError",
    "ModelNotInstalledError", "ModelStore", "NotReproducibleError", "NothingToSayError", "OverloadedError",
    "SSMLError", "ShengqingError", "StageTimings", "SynthesisOptions", "SynthesisTimeoutError", "Synthesizer",
    "TextTooLongError", "TimedText", "Timestamps", "UnsupportedFormatError", "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'shengqing' has no attribute {name!r}")
