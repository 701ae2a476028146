"""The synthesis request path shared by ``/tts`` and ``/v1/audio/speech``.

body (bounded) → JSON → schema → :class:`~shengqing.server.schemas.Job` → text limits → cache key →
``If-None-Match`` (412) → cache (hit: stored bytes, no engine, no encoding) → admission slot → engine on a
worker thread → whole response (cached) or chunked stream (cached once complete).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError

from .._version import __version__
from ..audio import FORMATS, SAMPLE_RATE, wav_header
from ..errors import (
    NothingToSayError,
    OverloadedError,
    ShengqingError,
    SynthesisTimeoutError,
    TextTooLongError,
)
from .bodies import read_fields
from .budget import audio_budget, check_budget
from .cache import CachedAudio, cache_key
from .errors import ClientGoneError, PreconditionFailedError, from_pydantic_error
from .limits import Slot
from .openai_compat import sse_body
from .schemas import Job
from .settings import Settings
from .state import ServerState
from .streaming import StreamEnd, StreamRun, Whole, run_whole

Body = TypeVar("Body", bound=BaseModel)


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
                 fields: dict[str, str], *, forms: bool = False) -> Response:
    """Answer one synthesis request (errors propagate to the single error handler). ``forms``: the fields
    may also come from a form, a multipart form or the query string (``/tts``)."""
    started = time.perf_counter()
    try:
        job, engine = await accept(state, request, make_job, fields, forms=forms)
        key = cache_key(job.canonical(), fingerprint=state.fingerprint, version=__version__,
                        kernels=state.kernels)
        etag = f'"{key}"'
        if etag in _etags(request.headers.get("if-none-match")):
            if request.method == "GET":  # RFC 9110 §13.1.2: 304 for GET, 412 for unsafe methods
                return Response(status_code=304, headers={"ETag": etag, **_common_headers(state, job)})
            raise PreconditionFailedError("If-None-Match matched this request's ETag", field="If-None-Match",
                                          hint="a POST with a matching If-None-Match is answered 412 (RFC "
                                               "9110); send it without the header to get the audio")
        directives = request.headers.get("cache-control", "").lower()
        # bypass the cache lookup; SSE events are never cached (the cache holds plain audio)
        fresh = "no-cache" in directives or "no-store" in directives or job.sse
        store = "no-store" not in directives and not job.sse
        cached = None if fresh else await state.cache.get(key)
        if cached is not None:
            state.metrics.cache.labels("hit").inc()
            return _audio_response(state, job, cached, etag, "hit", started)
        state.metrics.cache.labels("miss").inc()
        async with watch_disconnect(request) as gone:
            slot = await admit(state, started, gone)
            if job.stream:
                return await _stream(state, job, key if store else None, slot, started)
            whole = await _synthesize(state, engine, job, slot, started, gone)
    except ShengqingError as exc:
        raise rename_field(exc, fields) from None
    result = CachedAudio(data=whole.data, duration=whole.duration, synthesis_seconds=whole.synthesis_seconds,
                         kernels=state.kernels)
    _observe(state, result.duration, result.synthesis_seconds)
    if store:
        await state.cache.put(key, result)
    return _audio_response(state, job, result, etag, "miss", started)


async def accept(state: ServerState, request: Request, make_job: Callable[[dict[str, Any]], Job],
                 fields: dict[str, str], *, forms: bool = False) -> tuple[Job, Any]:
    """The request's job, checked (body type and origin, schema, text limits, budget), and the engine once it
    is loaded. ``forms``: the fields may also come from a form, a multipart form or the query string."""
    job = make_job(await read_fields(request, state.settings.max_body, forms=forms,
                                     allowed_origins=state.settings.cors_origins))
    check_text(state.settings, job, fields.get("text", "text"))
    return job, await state.get_engine(state.settings.timeout)


def check_text(settings: Settings, job: Job, text_field: str) -> None:
    """The request's text: not empty, within the (streamed or whole) length limit and the silence budget."""
    if not job.text.strip():
        raise NothingToSayError("the text is empty", field="text", hint="type something to say")
    limit = settings.max_chars_stream if job.stream else settings.max_chars
    if len(job.text) > limit:
        hint = (f"send stream=true (up to {settings.max_chars_stream} characters) or split the text"
                if not job.stream else "split the text into several requests")
        raise TextTooLongError(f"{text_field} has {len(job.text)} characters; the limit is {limit}"
                               + ("" if job.stream else " without streaming"), field="text",
                               value=len(job.text), hint=hint)
    check_budget(settings, job)


async def admit(state: ServerState, started: float, gone: asyncio.Future[Any]) -> Slot:
    """A synthesis slot within the request's time left; the wait ends when the client disconnects."""
    remaining = max(0.1, state.settings.timeout - (time.perf_counter() - started))
    waiting = asyncio.ensure_future(state.admission.acquire(remaining))
    await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
    if waiting.done():
        return waiting.result()
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        (await waiting).release()  # the slot came at the very moment the client left
    raise ClientGoneError("the client disconnected while waiting for a synthesis slot")


async def _synthesize(state: ServerState, engine: Any, job: Job, slot: Slot, started: float,
                      gone: asyncio.Future[Any]) -> Whole:
    """The whole response. A synthesis cut by the timeout is a 504 only when the request had the server to
    itself; if it spent much of its time waiting for a slot or shared the CPU with other requests, the
    server was busy: 503 + Retry-After, like any other overload."""
    settings = state.settings
    admission = state.admission
    waited = time.perf_counter() - started
    crowded = admission.active > 1 or admission.waiting > 0
    try:
        return await run_whole(engine, job, state.executor, slot, max(0.1, settings.timeout - waited),
                               audio_budget(settings, job), gone)
    except SynthesisTimeoutError:
        crowded = crowded or admission.active > 1 or admission.waiting > 0
        if waited < settings.timeout / 2 and not crowded:
            raise
        state.metrics.rejected.labels("timeout").inc()
        raise OverloadedError(f"the server was too busy to finish within {settings.timeout:g} s "
                              f"(waited {waited:.1f} s for a slot)", retry_after=admission.retry_after(),
                              hint="retry after the Retry-After delay") from None


@asynccontextmanager
async def watch_disconnect(request: Request) -> AsyncIterator[asyncio.Future[Any]]:
    """A future that completes when the client disconnects (the body has been read by then).

    Cancelled on exit, so that a streamed response, which listens for the disconnect itself, gets it.
    """
    async def listen() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    task = asyncio.ensure_future(listen())
    try:
        yield task
    finally:
        task.cancel()


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
    if job.style is not None:
        headers["X-Shengqing-Instructions"] = job.style
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


RunT = TypeVar("RunT", bound=StreamRun)


async def start_stream(state: ServerState, run_class: type[RunT], job: Job, slot: Any,
                       started: float) -> tuple[RunT, Any]:
    """Start ``job``'s stream on the executor and wait (within the request's time) for its first chunk."""
    engine = state.engine
    assert engine is not None
    timeout = state.settings.timeout
    run = run_class(engine, job, slot, state.metrics, timeout=timeout, max_seconds=audio_budget(state.settings, job))
    run.start(state.executor)
    try:
        first = await run.next(max(0.1, timeout - (time.perf_counter() - started)))
    except BaseException:
        run.cancel.set()
        raise
    return run, first


async def _stream(state: ServerState, job: Job, key: str | None, slot: Slot, started: float) -> Response:
    run, first = await start_stream(state, StreamRun, job, slot, started)
    first_seconds = time.perf_counter() - started
    state.metrics.first_chunk.labels(job.format).observe(first_seconds)

    async def on_end(end: StreamEnd, data: bytes | None) -> None:
        duration = end.samples / SAMPLE_RATE
        _observe(state, duration, end.synthesis_seconds)
        if key is None or data is None:
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
    keep = state.cache.max_entry_bytes if key is not None else 0
    if job.sse:
        samples: list[int] = []

        async def count_end(end: StreamEnd, data: bytes | None) -> None:
            samples.append(end.samples)
            await on_end(end, data)

        headers["X-Audio-Format"] = job.format
        return StreamingResponse(sse_body(run.body(first, count_end, keep=0), len(job.text), samples),
                                 media_type="text/event-stream", headers=headers)
    return StreamingResponse(run.body(first, on_end, keep=keep), media_type=FORMATS[job.format][0],
                             headers=headers)
