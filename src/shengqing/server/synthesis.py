"""The synthesis request path shared by ``/tts`` and ``/v1/audio/speech``.

body (bounded) → JSON → schema → :class:`~shengqing.server.schemas.Job` → text limits → cache key →
``If-None-Match`` (304) → cache (hit: stored bytes, no engine, no encoding) → admission slot → engine on a
worker thread → whole response (cached) or chunked stream (cached once complete).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError

from .._version import __version__
from ..audio import FORMATS, SAMPLE_RATE, wav_header
from ..errors import NothingToSayError, ShengqingError, TextTooLongError
from .app import ServerState
from .cache import CachedAudio, cache_key
from .errors import BodyTooLargeError, InvalidRequestError, from_pydantic_error
from .schemas import Job
from .streaming import StreamEnd, StreamRun, run_whole

Body = TypeVar("Body", bound=BaseModel)


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """The request body as a JSON object; 413 beyond ``limit`` bytes, 422 when not a JSON object."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(f"the request body has {declared} bytes; the limit is {limit}",
                                hint="use a shorter text or raise SHENGQING_MAX_BODY")
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise BodyTooLargeError(f"the request body exceeds {limit} bytes",
                                    hint="use a shorter text or raise SHENGQING_MAX_BODY")
        parts.append(part)
    raw = b"".join(parts)
    if not raw.strip():
        raise InvalidRequestError("the request body is empty",
                                  hint='send a JSON object such as {"text": "你好"}')
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, huge integers, deep nesting
        raise InvalidRequestError(f"the body is not valid JSON: {str(exc)[:200]}",
                                  hint="send a UTF-8 JSON object (Content-Type: application/json)") from None
    if not isinstance(doc, dict):
        raise InvalidRequestError(f"the body must be a JSON object, not {type(doc).__name__}",
                                  value=_brief(doc))
    return doc


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse(model: type[Body], doc: dict[str, Any]) -> Body:
    """Validate ``doc`` against ``model``; the first problem becomes a 422 naming the field."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        problems = exc.errors()
        raise from_pydantic_error(problems[0], more=len(problems) - 1) from None


def rename_field(exc: ShengqingError, mapping: dict[str, str]) -> ShengqingError:
    """Report errors with the endpoint's field names (``text`` → ``input`` on the OpenAI route)."""
    if exc.field in mapping:
        exc.field = mapping[exc.field]
    return exc


async def handle(state: ServerState, request: Request, make_job: Callable[[dict[str, Any]], Job],
                 fields: dict[str, str]) -> Response:
    """Answer one synthesis request (errors propagate to the single error handler)."""
    started = time.perf_counter()
    settings = state.settings
    try:
        job = make_job(await read_json(request, settings.max_body))
        text_field = fields.get("text", "text")
        if not job.text.strip():
            raise NothingToSayError("the text is empty", field="text", hint="type something to say")
        limit = settings.max_chars_stream if job.stream else settings.max_chars
        if len(job.text) > limit:
            hint = (f"send stream=true (up to {settings.max_chars_stream} characters) or split the text"
                    if not job.stream else "split the text into several requests")
            raise TextTooLongError(f"{text_field} has {len(job.text)} characters; the limit is {limit}"
                                   + ("" if job.stream else " without streaming"), field="text",
                                   value=len(job.text), hint=hint)
        engine = await state.get_engine(settings.timeout)
        key = cache_key(job.canonical(), fingerprint=state.fingerprint, version=__version__,
                        kernels=state.kernels)
        etag = f'"{key}"'
        if etag in _etags(request.headers.get("if-none-match")):
            state.metrics.cache.labels("hit").inc()
            return Response(status_code=304, headers={"ETag": etag, "X-Cache": "hit"})
        directives = request.headers.get("cache-control", "").lower()
        fresh = "no-cache" in directives or "no-store" in directives  # bypass the cache lookup
        store = "no-store" not in directives
        cached = None if fresh else await state.cache.get(key)
        if cached is not None:
            state.metrics.cache.labels("hit").inc()
            return _audio_response(state, job, cached, etag, "hit", started)
        state.metrics.cache.labels("miss").inc()
        remaining = max(0.1, settings.timeout - (time.perf_counter() - started))
        slot = await state.admission.acquire(remaining)
        if job.stream:
            return await _stream(state, job, key if store else None, slot, started)
        remaining = max(0.1, settings.timeout - (time.perf_counter() - started))
        whole = await run_whole(engine, job, state.executor, slot, remaining)
    except ShengqingError as exc:
        raise rename_field(exc, fields) from None
    result = CachedAudio(data=whole.data, duration=whole.duration, synthesis_seconds=whole.synthesis_seconds,
                         kernels=state.kernels)
    _observe(state, result.duration, result.synthesis_seconds)
    if store:
        await state.cache.put(key, result)
    return _audio_response(state, job, result, etag, "miss", started)


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def _observe(state: ServerState, duration: float, seconds: float) -> None:
    state.metrics.audio_seconds.inc(duration)
    if duration > 0:
        state.metrics.rtf.observe(seconds / duration)


def _common_headers(state: ServerState, job: Job) -> dict[str, str]:
    headers = {"X-Shengqing-Kernels": state.kernels, "X-Model-Fingerprint": state.fingerprint,
               "X-Shengqing-Version": __version__, "X-Audio-Sample-Rate": str(SAMPLE_RATE),
               "X-Shengqing-Speed": f"{job.options.speed:g}",
               "Cache-Control": "private, max-age=86400" if state.keys.enabled else "public, max-age=86400"}
    return headers


def _filename(etag: str, job: Job) -> str:
    return f"shengqing-{etag[1:13]}{FORMATS[job.format][1]}"


def _audio_response(state: ServerState, job: Job, audio: CachedAudio, etag: str, cache: str,
                    started: float) -> Response:
    headers = _common_headers(state, job)
    headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    rtf = audio.synthesis_seconds / audio.duration if audio.duration else 0.0
    headers.update({"ETag": etag, "X-Cache": cache, "X-Audio-Duration": f"{audio.duration:.3f}",
                    "X-Synthesis-Seconds": f"{audio.synthesis_seconds:.4f}", "X-RTF": f"{rtf:.4f}",
                    "Content-Disposition": f'inline; filename="{_filename(etag, job)}"'})
    if audio.kernels != state.kernels:  # a shared (Redis) cache never mixes modes: the key includes it
        headers["X-Shengqing-Kernels"] = audio.kernels
    return Response(content=audio.data, media_type=FORMATS[job.format][0], headers=headers)


async def _stream(state: ServerState, job: Job, key: str | None, slot: Any, started: float) -> Response:
    engine = state.engine
    assert engine is not None
    run = StreamRun(engine, job, slot, state.metrics)
    run.start(state.executor)
    timeout = state.settings.timeout
    try:
        first = await run.next(max(0.1, timeout - (time.perf_counter() - started)))
    except BaseException:
        run.cancel.set()
        raise
    first_seconds = time.perf_counter() - started
    state.metrics.first_chunk.labels(job.format).observe(first_seconds)

    async def on_end(end: StreamEnd, data: bytes) -> None:
        duration = end.samples / SAMPLE_RATE
        _observe(state, duration, end.synthesis_seconds)
        if key is None:
            return
        whole = wav_header(end.samples) + data[44:] if job.format == "wav" else data
        entry = CachedAudio(data=whole, duration=duration, synthesis_seconds=end.synthesis_seconds,
                            kernels=state.kernels)
        await state.cache.put(key, entry)

    if isinstance(first, StreamEnd):  # nothing was produced before the end (cannot happen with audio)
        await on_end(first, b"")
        first = b""
    headers = _common_headers(state, job)
    headers.update({"X-Cache": "miss", "X-First-Chunk-Seconds": f"{first_seconds:.4f}",
                    "Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    return StreamingResponse(run.body(first, timeout, on_end, keep=key is not None), media_type=FORMATS[job.format][0],
                             headers=headers)
