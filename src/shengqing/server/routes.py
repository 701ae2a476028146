"""HTTP endpoints: synthesis (``/tts``, ``/v1/audio/speech``), catalogues, info, health, metrics, WebUI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from .. import emotion
from .._version import __version__
from ..audio import FORMATS, UNSUPPORTED_FORMATS
from ..options import INTENSITY_RANGE, PITCH_RANGE, SPEED_RANGE, VOLUME_RANGE
from .captioned import add_captioned_routes
from .openai_compat import SpeechRequest, add_catalogue_routes, job_from_speech, speech_openapi
from .schemas import (
    DEFAULT_VOICE,
    OPENAI_SPEED_RANGE,
    OPENAI_VOICES,
    VOICE_ALIASES,
    VOICES,
    TTSRequest,
    job_from_tts,
)
from .state import STATIC_DIR, ServerState
from .synthesis import handle, parse

EMOTION_LABELS = {"neutral": "中性", "happy": "开心", "sad": "悲伤", "angry": "生气", "fear": "害怕",
                  "hate": "厌恶", "surprise": "惊讶", "gentle": "温柔", "serious": "严肃"}

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_TEXT = {"type": "string"}
#: every error body: OpenAI's ``error.message/type/param/code`` plus shengqing's ``field``, ``value``, ``hint``
ERROR_SCHEMA: dict[str, Any] = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["message", "type", "code"],
    "properties": {"message": _TEXT, "message_zh": _TEXT, "type": _TEXT, "code": _TEXT,
                   "param": {"type": ["string", "null"]}, "field": {"type": ["string", "null"]}, "value": {},
                   "hint": _TEXT}}},
    "example": {"error": {"code": "invalid_option", "type": "invalid_option", "param": "speed", "field": "speed",
                          "message": "speed must be from 0.5 to 2, got 3", "value": 3, "hint": "allowed: 0.5–2",
                          "message_zh": "参数 speed 的值无效，请按提示修改"}}}
_AUDIO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "audio bytes: chunked as each phrase is ready when streamed (the default on "
                         "/v1/audio/speech, stream=true on /tts). pcm is raw signed 16-bit little-endian mono "
                         "at 24 kHz",
          "content": {mime: _BINARY for mime, _ in FORMATS.values()}},
    **{status: {"description": text, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
       for status, text in ((401, "missing or wrong API key"), (412, "If-None-Match matched the ETag"),
                            (413, "body or text too long, or over the audio/silence budget"),
                            (415, "unsupported format (aac) or a body that is not JSON (or a form, on /tts)"),
                            (422, "an invalid field (the error names it)"),
                            (503, "busy or not ready (Retry-After)"), (504, "synthesis timed out"))},
}
_FORM_RESPONSES = {**_AUDIO_RESPONSES, 403: {"description": "a form or GET sent by a browser from another site",
                                             "content": {"application/json": {"schema": ERROR_SCHEMA}}}}


def _tts_doc(security: list[dict[str, list[str]]]) -> dict[str, Any]:
    schema = TTSRequest.model_json_schema()
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema, "example": {"text": "今天的阳光真灿烂！", "emotion": "happy"}},
        "application/x-www-form-urlencoded": {"schema": schema},
        "multipart/form-data": {"schema": schema}}}, "security": security}


def _json_body_doc(model: type[TTSRequest] | type[SpeechRequest],
                   security: list[dict[str, list[str]]]) -> dict[str, Any]:
    """A JSON-only request body (the captioned endpoints)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}},
            "security": security}


def _tts_query_doc(security: list[dict[str, list[str]]]) -> dict[str, Any]:
    properties = TTSRequest.model_json_schema()["properties"]
    parameters = [{"name": name, "in": "query", "required": name == "text",
                   "description": prop.get("description", ""), "schema": _query_schema(prop)}
                  for name, prop in properties.items()]
    parameters[[p["name"] for p in parameters].index("text")]["example"] = "你好，欢迎使用语音合成服务。"
    return {"parameters": parameters, "security": security}


def _query_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A body property as a query parameter's schema: no ``null`` (absent is the default)."""
    schema = {k: v for k, v in prop.items() if k not in ("description", "anyOf", "title", "default")}
    kinds = [kind for kind in prop.get("anyOf", []) if kind.get("type") != "null"]
    if len(kinds) == 1:
        schema.update(kinds[0])
    elif kinds:
        schema["anyOf"] = kinds
    return schema


#: the OpenAPI security scheme of the protected endpoints (``Authorization: Bearer <key>``)
SECURITY_SCHEMES = {"bearerAuth": {"type": "http", "scheme": "bearer",
                                   "description": "an API key from SHENGQING_API_KEYS / SHENGQING_API_KEYS_FILE"}}


def build_router(state: ServerState) -> APIRouter:
    """All routes, bound to one process's :class:`ServerState`."""
    router = APIRouter()
    protected = [Depends(state.keys)]
    # with keys configured the bearer key is required; without, the scheme is documented but optional
    security: list[dict[str, list[str]]] = [{"bearerAuth": []}] if state.keys.enabled else [{}, {"bearerAuth": []}]

    @router.post("/tts", tags=["synthesis"], dependencies=protected, response_class=Response,
                 responses=_FORM_RESPONSES,
                 openapi_extra=_tts_doc(security), summary="Synthesize (seed API)")
    async def tts(request: Request) -> Response:
        """The seed's API: ``{text, voice, emotion, speed}`` plus ``intensity, pitch, volume, format, ssml,
        stream``, as JSON, a form or a multipart form. Answers audio bytes (default WAV)."""
        return await handle(state, request, lambda doc: job_from_tts(parse(TTSRequest, doc)), {}, forms=True)

    @router.get("/tts", tags=["synthesis"], dependencies=protected, response_class=Response,
                 responses=_FORM_RESPONSES,
                openapi_extra=_tts_query_doc(security), summary="Synthesize from a URL (seed API)")
    async def tts_get(request: Request) -> Response:
        """``/tts?text=你好&emotion=happy``: the same fields as the POST body, in the query string (for
        players and home-automation hooks that can only fetch a URL)."""
        return await handle(state, request, lambda doc: job_from_tts(parse(TTSRequest, doc)), {}, forms=True)

    @router.post("/v1/audio/speech", tags=["synthesis"], dependencies=protected, response_class=Response,
                 responses=_AUDIO_RESPONSES,
                 openapi_extra=speech_openapi(security, _AUDIO_RESPONSES), summary="Synthesize (OpenAI-compatible)")
    async def speech(request: Request) -> Response:
        """OpenAI's ``/v1/audio/speech`` (default mp3, streamed as it is synthesized); OpenAI voice and model
        names map to ours; ``instructions`` set the tone; ``stream_format: "sse"`` answers server-sent
        events."""
        return await handle(state, request, lambda doc: job_from_speech(parse(SpeechRequest, doc)),
                            {"text": "input", "format": "response_format"})

    add_captioned_routes(router, state, _AUDIO_RESPONSES, lambda model: _json_body_doc(model, security))

    @router.get("/v1/voices", tags=["catalogue"])
    async def voices() -> dict[str, Any]:
        """Our voices, and the names that map to the default voice."""
        return {"voices": list(VOICES.values()), "default": DEFAULT_VOICE,
                "aliases": {name: DEFAULT_VOICE for name in (*VOICE_ALIASES, *OPENAI_VOICES)}}

    @router.get("/v1/emotions", tags=["catalogue"])
    async def emotions() -> dict[str, Any]:
        """Emotion presets with Chinese labels, aliases and parameters, and the option ranges."""
        presets = emotion.describe_presets()
        aliases: dict[str, list[str]] = {name: [] for name in emotion.EMOTIONS}
        for alias, name in emotion.ALIASES.items():
            aliases.setdefault(name, []).append(alias)
        return {"emotions": [{"name": name, "label": EMOTION_LABELS.get(name, name), "aliases": aliases[name],
                              "preset": presets.get(name, {})} for name in emotion.EMOTIONS],
                "default": "neutral", "ranges": _ranges()}

    add_catalogue_routes(router)

    @router.get("/v1/info", tags=["info"], dependencies=protected, openapi_extra={"security": security})
    async def info() -> dict[str, Any]:
        """Environment fingerprint: version, model sha256s and fingerprint, kernel mode, library versions,
        CPU model and SIMD flags, Python, licence terms (the voice's training data is non-commercial)."""
        from ..models.store import TERMS

        if state.engine is None:  # a loaded engine that is refused (self-check) still describes itself
            await state.get_engine(state.settings.timeout)
        return {**state.info(), "license": TERMS}

    @router.get("/v1/ui-config", tags=["info"], include_in_schema=False)
    async def ui_config() -> dict[str, Any]:
        return {"version": __version__, "auth_required": state.keys.enabled,
                "max_chars": state.settings.max_chars, "max_chars_stream": state.settings.max_chars_stream,
                "formats": list(FORMATS), "ranges": _ranges()}

    @router.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        """Liveness: the process answers (even while the model loads)."""
        return {"status": "ok", "version": __version__}

    @router.get("/readyz", tags=["health"])
    async def readyz() -> dict[str, Any]:
        """Readiness: 200 once the model is loaded and warm, else 503 with Retry-After."""
        state.check_ready()
        return {"status": "ready", "kernels": state.kernels, "model_fingerprint": state.fingerprint}

    @router.get("/metrics", tags=["health"])
    async def metrics() -> Response:
        """Prometheus text format."""
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @router.get("/", include_in_schema=False)
    async def index() -> Response:
        page = STATIC_DIR / "index.html"
        if not page.is_file():
            return JSONResponse({"message": "shengqing: the WebUI is not installed; see /docs"})
        return FileResponse(page, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    return router


def _ranges() -> dict[str, Any]:
    return {"speed": SPEED_RANGE, "openai_speed": OPENAI_SPEED_RANGE, "intensity": INTENSITY_RANGE,
            "pitch": PITCH_RANGE, "volume": VOLUME_RANGE, "unsupported_formats": list(UNSUPPORTED_FORMATS)}
