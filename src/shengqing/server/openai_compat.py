"""OpenAI-compatible API: ``POST /v1/audio/speech``, ``GET /v1/models[/{id}]``, ``GET /v1/audio/voices``.

What OpenAI clients rely on: the speech endpoint **streams by default** (the first bytes leave after the first
phrase, as OpenAI and Kokoro-FastAPI do), takes OpenAI's fields (``model``, ``voice``, ``input``,
``instructions``, ``response_format``, ``speed``, ``stream_format`` "audio" | "sse"), maps OpenAI model and
voice names to ours, and answers errors in OpenAI's shape (``error.message/type/param/code``).
``instructions`` go through :mod:`shengqing.instructions`; explicit fields win over them.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StrictBool, StrictStr

from ..audio import SAMPLE_RATE, normalize_format
from ..errors import InvalidOptionError, UnsupportedFormatError
from ..instructions import MAX_INSTRUCTIONS, parse_instructions
from ..options import SPEED_RANGE
from .errors import ModelNotFoundError
from .schemas import (
    _FORMAT_NAMES,
    MODEL_ALIASES,
    MODEL_ID,
    OPENAI_MODELS,
    OPENAI_SPEED_RANGE,
    OPENAI_VOICES,
    VOICE_ALIASES,
    VOICES,
    Job,
    Number,
    _Body,
    _choices,
    _range,
    make_options,
    resolve_model,
    resolve_voice,
    ssml_flag,
)

#: ``created`` of every model entry: fixed, so that the list is the same on every server (not tracked)
MODEL_CREATED = 0
STREAM_FORMATS = ("audio", "sse")
#: ``usage`` of ``speech.audio.done``: input tokens = characters of ``input``; output tokens = 100 ms of audio
OUTPUT_TOKEN_SECONDS = 0.1


class SpeechRequest(_Body):
    """``POST /v1/audio/speech``: OpenAI's body plus shengqing's ``emotion``, ``intensity``, ``pitch``,
    ``volume``, ``ssml`` and ``stream``. Unknown extra fields are ignored, as OpenAI adds fields over time."""

    model_config = ConfigDict(strict=False, extra="ignore", allow_inf_nan=True,
                              json_schema_extra={"examples": [
                                  {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": "今天的阳光真灿烂！",
                                   "instructions": "用开心的语气", "response_format": "mp3"}]})

    model: StrictStr | None = Field(None, description=f"{MODEL_ID}; OpenAI names (tts-1 …) map to it",
                                    examples=["gpt-4o-mini-tts"],
                                    json_schema_extra=_choices(MODEL_ID, *MODEL_ALIASES, *OPENAI_MODELS))
    input: StrictStr = Field(..., description="text (or SSML) to speak; up to max_chars_stream characters "
                                              "(20,000 by default) when streamed, max_chars (2,000) when not",
                             examples=["你好，欢迎使用语音合成服务。"], json_schema_extra={"minLength": 1})
    instructions: StrictStr | None = Field(
        None, description="tone in words, Chinese or English (用开心的语气, 语速慢一点, speak sadly and slowly, "
                          "whisper softly): mapped to emotion, intensity, speed, pitch and volume by a "
                          "documented keyword parser; fields given explicitly win",
        examples=["用悲伤的语气，语速慢一点"], json_schema_extra={"maxLength": MAX_INSTRUCTIONS})
    response_format: StrictStr = Field("mp3", description="mp3 (default), opus, flac, wav, pcm; aac → 415",
                                       json_schema_extra=_choices(*_FORMAT_NAMES))
    speed: Number | None = Field(None, description="0.25–4.0 accepted as OpenAI does; clamped to 0.5–2.0",
                                 examples=[1.0], json_schema_extra=_range(OPENAI_SPEED_RANGE))
    stream_format: StrictStr | None = Field(
        None, description="'audio' (default: raw audio, chunked) or 'sse' (server-sent events "
                          "speech.audio.delta with base64 audio, then speech.audio.done with usage)",
        json_schema_extra=_choices(*STREAM_FORMATS))
    stream: StrictBool | None = Field(None, description="shengqing: false for one whole (cached) response; "
                                                        "streams by default, as OpenAI does")


def job_from_speech(body: SpeechRequest) -> Job:
    """The job of an OpenAI request: explicit fields, then ``instructions`` for the fields left unset."""
    resolve_model(body.model)
    voice = resolve_voice(body.voice)
    fmt = _speech_format(body.response_format)
    stream_format = body.stream_format if body.stream_format is not None else "audio"
    if stream_format not in STREAM_FORMATS:
        raise InvalidOptionError(f"stream_format {body.stream_format!r} is not supported",
                                 field="stream_format", value=body.stream_format,
                                 hint="use 'audio' (raw chunked audio) or 'sse' (server-sent events)")
    speed, clamped = _clamp_speed(body.speed)
    style = parse_instructions(body.instructions)
    asked = style.options()
    if body.emotion is not None:  # an instruction's intensity belongs to its emotion, not to an explicit one
        asked.pop("intensity", None)
    explicit = {"emotion": body.emotion, "intensity": body.intensity, "speed": speed, "pitch": body.pitch,
                "volume": body.volume}
    options = make_options(**{**asked, **{k: v for k, v in explicit.items() if v is not None}})
    sse = stream_format == "sse"
    stream = sse or body.stream is not False  # OpenAI streams; "stream": false asks for one whole response
    return Job(text=body.input, options=options, format=fmt, voice=voice, ssml=ssml_flag(body.ssml, body.input),
               stream=stream, speed_clamped=clamped, sse=sse,
               style=style.describe() if body.instructions is not None else None)


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


def model_ids() -> tuple[str, ...]:
    """Every model id the speech endpoint accepts, ours first (all are the same voice model)."""
    return (MODEL_ID, *MODEL_ALIASES, *OPENAI_MODELS)


def model_entry(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": MODEL_CREATED, "owned_by": "shengqing"}


def voice_names() -> list[str]:
    """Kokoro-FastAPI's ``/v1/audio/voices`` list: every voice name accepted, ours first."""
    return list(dict.fromkeys([*VOICES, *VOICE_ALIASES, *OPENAI_VOICES]))


def sse_event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


async def sse_body(audio: AsyncGenerator[bytes, None], input_chars: int, samples: list[int]
                   ) -> AsyncIterator[bytes]:
    """gpt-4o-mini-tts's event stream: one ``speech.audio.delta`` per encoded piece, then
    ``speech.audio.done`` with ``usage`` (``samples`` is filled by the stream's end callback)."""
    try:
        async for data in audio:
            if data:
                yield sse_event({"type": "speech.audio.delta", "audio": base64.b64encode(data).decode("ascii")})
    finally:
        await audio.aclose()  # a client gone mid-stream stops the synthesis now, not when garbage-collected
    output = math.ceil(sum(samples) / SAMPLE_RATE / OUTPUT_TOKEN_SECONDS)
    yield sse_event({"type": "speech.audio.done",
                     "usage": {"input_tokens": input_chars, "output_tokens": output,
                               "total_tokens": input_chars + output}})


def add_catalogue_routes(router: APIRouter) -> None:
    """``/v1/models``, ``/v1/models/{id}`` (OpenAI's shape) and ``/v1/audio/voices`` (Kokoro-FastAPI's)."""

    @router.get("/v1/models", tags=["catalogue"], summary="List models (OpenAI-compatible)",
                responses={200: {"content": {"application/json": {"example": {
                    "object": "list", "data": [model_entry(MODEL_ID)]}}}}})
    async def models() -> dict[str, Any]:
        """Every model name ``/v1/audio/speech`` accepts (OpenAI's tts-1, tts-1-hd and gpt-4o-mini-tts map
        to shengqing's single voice model)."""
        return {"object": "list", "data": [model_entry(name) for name in model_ids()]}

    @router.get("/v1/models/{model_id}", tags=["catalogue"], summary="Retrieve a model (OpenAI-compatible)",
                responses={404: {"description": "no such model (error code model_not_found)"}})
    async def model(model_id: str) -> dict[str, Any]:
        """One model, as in the list; 404 ``model_not_found`` for any other id."""
        if model_id not in model_ids():
            raise ModelNotFoundError(f"the model {model_id!r} does not exist", field="model", value=model_id,
                                     hint=f"use one of: {', '.join(model_ids())} (模型不存在)")
        return model_entry(model_id)

    @router.get("/v1/audio/voices", tags=["catalogue"], summary="List voices (Kokoro-FastAPI-compatible)",
                responses={200: {"content": {"application/json": {"example": {"voices": voice_names()}}}}})
    async def audio_voices() -> dict[str, Any]:
        """``{"voices": [names]}`` as Kokoro-FastAPI answers: every name accepted as ``voice`` (OpenAI's map
        to baker, 标贝女声). ``/v1/voices`` has the details."""
        return {"voices": voice_names()}


def speech_openapi(security: list[dict[str, list[str]]], audio_responses: dict[int | str, Any]) -> dict[str, Any]:
    """The OpenAPI of ``POST /v1/audio/speech`` (body, responses with per-format and SSE media types)."""
    schema = SpeechRequest.model_json_schema()
    ok = dict(audio_responses[200])
    ok["content"] = {**ok["content"], "text/event-stream": {
        "schema": {"type": "string"}, "example": 'data: {"type":"speech.audio.delta","audio":"SUQz..."}\n\n'
                                                 'data: {"type":"speech.audio.done","usage":{"input_tokens":7,'
                                                 '"output_tokens":21,"total_tokens":28}}\n\n'}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
            "security": security, "responses": {"200": ok}}
