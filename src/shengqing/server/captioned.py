"""Captioned synthesis: ``/v1/audio/speech/captioned`` and ``/tts/captioned``.

The same request bodies as ``/v1/audio/speech`` and ``/tts``; the answer is JSON: the encoded audio in
base64 with the timestamps of every character, word and phrase, subtitle cues and SRT/WebVTT text
(:mod:`shengqing.timestamps`, :mod:`shengqing.subtitles`). With ``stream: true`` it is NDJSON, one line
per phrase as soon as it is ready: its audio bytes (base64; appended in order they are exactly the bytes
of the streamed audio file) and the timestamps of what it says, then an ``end`` line. Captioned answers
are not cached.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from ..audio import FORMATS, SAMPLE_RATE, AudioChunk, StreamEncoder
from ..errors import ShengqingError
from ..subtitles import cues, to_srt, to_vtt
from ..timestamps import Timestamps
from .budget import audio_budget
from .openai_compat import SpeechRequest, job_from_speech
from .schemas import Job, TTSRequest, job_from_tts
from .state import ServerState
from .streaming import StreamEnd, StreamRun, run_whole
from .synthesis import accept, admit, parse, rename_field, start_stream, watch_disconnect

NDJSON = "application/x-ndjson"


def _stamps(stamps: Timestamps | None, text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The timestamps with their cues, and the subtitles as SRT and WebVTT text."""
    stamps = stamps or Timestamps()
    items = cues(stamps, text)
    doc = stamps.to_dict()
    doc["cues"] = [{"text": c.text, "start": round(c.start_time, 4), "end": round(c.end_time, 4)} for c in items]
    return doc, {"srt": to_srt(items), "vtt": to_vtt(items)}


class CaptionedRun(StreamRun):
    """A streamed synthesis whose body is NDJSON: each phrase's audio bytes with its timestamps."""

    def _chunks(self) -> Iterator[AudioChunk]:
        return self.engine.stream(self.job.text, ssml=self.job.ssml, options=self.job.options, timestamps=True)

    def _payload(self, encoder: StreamEncoder, chunk: AudioChunk) -> bytes:
        stamps = (chunk.timestamps or Timestamps()).to_dict()
        line = {"type": "audio", "index": chunk.index, "audio": base64.b64encode(encoder.feed(chunk.samples)).decode(),
                "duration": round(chunk.duration, 4), "timestamps": stamps}
        return (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")

    def _closing(self, encoder: StreamEncoder, samples: int) -> bytes:
        line = {"type": "end", "audio": base64.b64encode(encoder.finish()).decode(), "samples": samples,
                "duration": round(samples / SAMPLE_RATE, 4), "format": self.job.format,
                "content_type": FORMATS[self.job.format][0]}
        return (json.dumps(line) + "\n").encode("utf-8")


async def handle_captioned(state: ServerState, request: Request, make_job: Callable[[dict[str, Any]], Job],
                           fields: dict[str, str]) -> Response:
    """Answer one captioned request (errors propagate to the single error handler)."""
    started = time.perf_counter()
    settings = state.settings
    try:
        job, engine = await accept(state, request, make_job, fields)
        async with watch_disconnect(request) as gone:
            slot = await admit(state, started, gone)
            if job.stream:
                return await _stream(state, job, slot, started)
            remaining = max(0.1, settings.timeout - (time.perf_counter() - started))
            whole = await run_whole(engine, job, state.executor, slot, remaining, audio_budget(settings, job),
                                    gone, timestamps=True)
    except ShengqingError as exc:
        raise rename_field(exc, fields) from None
    state.metrics.audio_seconds.inc(whole.duration)
    timestamps, subtitles = _stamps(whole.timestamps, job.text)
    body = {"audio": base64.b64encode(whole.data).decode(), "format": job.format,
            "content_type": FORMATS[job.format][0], "sample_rate": SAMPLE_RATE,
            "duration": round(whole.duration, 4), "synthesis_seconds": round(whole.synthesis_seconds, 4),
            "timestamps": timestamps, "subtitles": subtitles}
    return JSONResponse(body, headers={"Cache-Control": "no-store", "X-Cache": "bypass"})


async def _stream(state: ServerState, job: Job, slot: Any, started: float) -> Response:
    run, first = await start_stream(state, CaptionedRun, job, slot, started)

    async def on_end(end: StreamEnd, _data: bytes | None) -> None:
        state.metrics.audio_seconds.inc(end.samples / SAMPLE_RATE)

    if isinstance(first, StreamEnd):
        await on_end(first, None)
        first = b""
    return StreamingResponse(run.body(first, on_end), media_type=NDJSON,
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Cache": "bypass"})


def add_captioned_routes(router: APIRouter, state: ServerState, responses: dict[int | str, dict[str, Any]],
                         body_doc: Callable[[type[TTSRequest] | type[SpeechRequest]], dict[str, Any]]) -> None:
    """Register the captioned variants of ``/tts`` and ``/v1/audio/speech`` on ``router``."""
    protected = [Depends(state.keys)]
    captioned = {**responses, 200: {"description": "JSON (audio in base64 + timestamps), or NDJSON with stream=true",
                                    "content": {"application/json": {}, NDJSON: {}}}}

    @router.post("/tts/captioned", tags=["synthesis"], dependencies=protected, responses=captioned,
                 openapi_extra=body_doc(TTSRequest), summary="Synthesize with timestamps (seed API)")
    async def tts_captioned(request: Request) -> Response:
        """``/tts``'s body; JSON with the audio (base64) and character/word/phrase timestamps and cues."""
        return await handle_captioned(state, request, lambda doc: job_from_tts(parse(TTSRequest, doc)), {})

    @router.post("/v1/audio/speech/captioned", tags=["synthesis"], dependencies=protected, responses=captioned,
                 openapi_extra=body_doc(SpeechRequest), summary="Synthesize with timestamps (OpenAI-shaped)")
    async def speech_captioned(request: Request) -> Response:
        """``/v1/audio/speech``'s body; JSON with the audio (base64) and timestamps; NDJSON when streamed."""
        return await handle_captioned(state, request, _captioned_speech_job,
                                      {"text": "input", "format": "response_format"})


def _captioned_speech_job(doc: dict[str, Any]) -> Job:
    """An OpenAI-shaped body for the captioned route: one JSON answer unless ``"stream": true`` asks for NDJSON
    (``/v1/audio/speech`` itself streams by default; SSE has no captioned form)."""
    body = parse(SpeechRequest, doc)
    return replace(job_from_speech(body), stream=body.stream is True, sse=False)
