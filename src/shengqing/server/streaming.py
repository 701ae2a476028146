"""Running the engine off the event loop, whole or streamed.

A worker thread of a bounded executor iterates ``engine.stream``; each phrase is encoded there with
:class:`~shengqing.audio.StreamEncoder` and handed to the event loop through a queue of at most
``AHEAD`` chunks, so the first bytes leave as soon as the first phrase is ready and a client that reads
slowly slows its own synthesis instead of growing the server's memory (the thread waits for room; after
``timeout`` seconds without the client taking anything it gives up and frees its slot). Cancelling (client
gone, timeout) sets an event the thread checks between phrases; it then closes the engine's generator,
which cancels the phrases not started yet. Every request has an audio budget (``max_seconds``): the thread
stops once the audio produced exceeds it. Errors are never swallowed: before the first bytes they become
the HTTP status; after it they are logged, counted, and the chunked encoding is aborted (no final empty
chunk), so the client sees a truncated response rather than a clean end.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncGenerator, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..audio import SAMPLE_RATE, AudioChunk, StreamEncoder, encode, wav_header
from ..errors import ShengqingError, SynthesisTimeoutError
from ..timestamps import Timestamps
from .errors import ClientGoneError, OverBudgetError
from .limits import Slot
from .metrics import Metrics
from .schemas import Job

log = logging.getLogger("shengqing.server")


class Engine(Protocol):
    """What the server uses of :class:`shengqing.engine.Synthesizer`."""

    kernels: Any
    model: Any

    def stream(self, text: str, *, ssml: bool | None = None, options: Any = None,
               **kwargs: Any) -> Iterator[AudioChunk]: ...

    def info(self) -> dict[str, Any]: ...

    def warm_up(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Whole:
    """A finished non-streamed synthesis."""

    data: bytes
    duration: float
    synthesis_seconds: float
    timestamps: Timestamps | None = None  # asked for with ``timestamps=True``


@dataclass(frozen=True)
class StreamEnd:
    """The summary sent after the last bytes of a stream."""

    samples: int
    synthesis_seconds: float


class Cancelled(Exception):
    """The request was cancelled while its thread was working (timeout or client gone)."""


class StreamAborted(Exception):
    """A stream failed after its first bytes: the response must end without the final chunk."""


#: chunks (phrases) a streamed synthesis may run ahead of its client
AHEAD = 3


def over_budget(seconds: float, limit: float) -> OverBudgetError:
    return OverBudgetError(f"the audio is longer than this server's budget of {limit:g} s per request",
                           field="text", value=round(seconds, 1),
                           hint="split the text, or stream it (a larger budget applies to streams)")


def synthesize_whole(engine: Engine, job: Job, cancel: threading.Event, max_seconds: float,
                     timestamps: bool = False) -> Whole:
    """Worker-thread body of a non-streamed request; stops between phrases once ``cancel`` is set."""
    start = time.perf_counter()
    extra = {"timestamps": True} if timestamps else {}
    chunks = engine.stream(job.text, ssml=job.ssml, options=job.options, **extra)
    stamps: list[Timestamps] = []
    parts: list[np.ndarray] = []
    count = 0
    try:
        for chunk in chunks:
            if cancel.is_set():
                raise Cancelled()
            count += len(chunk.samples)
            if count > max_seconds * SAMPLE_RATE:
                raise over_budget(count / SAMPLE_RATE, max_seconds)
            parts.append(chunk.samples)
            if chunk.timestamps is not None:
                stamps.append(chunk.timestamps)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    seconds = time.perf_counter() - start
    if job.format in ("wav", "pcm"):  # header + PCM joined straight from the chunks: one copy of the audio, not three
        head = wav_header(count) if job.format == "wav" else b""
        data = b"".join([head, *(np.asarray(p, "<i2").tobytes() for p in parts)])
    else:
        data = encode(np.concatenate(parts) if parts else np.zeros(0, np.int16), job.format)
    return Whole(data=data, duration=count / SAMPLE_RATE, synthesis_seconds=seconds,
                 timestamps=Timestamps.join(stamps) if timestamps else None)


async def run_whole(engine: Engine, job: Job, executor: Executor, slot: Slot, timeout: float,
                    max_seconds: float, gone: asyncio.Future[Any], *, timestamps: bool = False) -> Whole:
    """Synthesize on the executor; 504 after ``timeout`` seconds, :class:`ClientGoneError` when ``gone``
    completes first (the client disconnected). Either way the thread is told to stop after its phrase."""
    loop = asyncio.get_running_loop()
    cancel = threading.Event()
    future = loop.run_in_executor(executor, synthesize_whole, engine, job, cancel, max_seconds, timestamps)
    future.add_done_callback(lambda f: _finished(f, slot))
    try:
        done, _ = await asyncio.wait({future, gone}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        cancel.set()
        raise
    if future in done:
        return future.result()
    cancel.set()
    if gone in done:
        raise ClientGoneError("the client disconnected; its synthesis was stopped")
    raise SynthesisTimeoutError(f"synthesis took longer than {timeout:g} s", field="text",
                                hint="stream long texts or raise SHENGQING_TIMEOUT")


def _finished(future: asyncio.Future[Any], slot: Slot) -> None:
    """Free the slot once the worker thread is done; a late error (after a timeout) is only logged."""
    slot.release()
    if not future.cancelled():
        exc = future.exception()
        if exc is not None and not isinstance(exc, Cancelled):
            log.debug("abandoned synthesis ended with %s: %s", type(exc).__name__, exc)


class StreamRun:
    """One streamed synthesis: the worker thread pushes ``bytes``, then a :class:`StreamEnd` or an error.

    At most ``AHEAD`` chunks wait between the thread and the client: the thread takes a credit before it
    hands a chunk over and the response gives it back once the chunk is taken for sending.
    """

    def __init__(self, engine: Engine, job: Job, slot: Slot, metrics: Metrics, *, timeout: float,
                 max_seconds: float) -> None:
        self.engine = engine
        self.job = job
        self.slot = slot
        self.metrics = metrics
        self.timeout = timeout
        self.max_seconds = max_seconds
        self.cancel = threading.Event()
        self.queue: asyncio.Queue[bytes | StreamEnd | BaseException] = asyncio.Queue()
        self._credits = threading.Semaphore(AHEAD)
        self._loop = asyncio.get_running_loop()

    def start(self, executor: Executor) -> None:
        future = self._loop.run_in_executor(executor, self._work)
        future.add_done_callback(lambda f: _finished(f, self.slot))

    def _put(self, item: bytes | StreamEnd | BaseException) -> None:
        try:
            self._loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the event loop has closed (server shutdown): nobody is listening
            self.cancel.set()

    def _room(self) -> bool:
        """Wait for the client to take a chunk; False once cancelled or after ``timeout`` s of no reading."""
        deadline = time.monotonic() + self.timeout
        while not self._credits.acquire(timeout=0.2):
            if self.cancel.is_set():
                return False
            if time.monotonic() > deadline:
                log.info("stream of %d chars stopped: the client read nothing for %g s", len(self.job.text),
                         self.timeout)
                self.cancel.set()
                return False
        return not self.cancel.is_set()

    def _chunks(self) -> Iterator[AudioChunk]:
        return self.engine.stream(self.job.text, ssml=self.job.ssml, options=self.job.options)

    def _payload(self, encoder: StreamEncoder, chunk: AudioChunk) -> bytes:
        """The bytes sent for one chunk (a subclass may wrap them: captioned NDJSON)."""
        return encoder.feed(chunk.samples)

    def _closing(self, encoder: StreamEncoder, samples: int) -> bytes:
        return encoder.finish()

    def _work(self) -> None:
        start = time.perf_counter()
        try:
            chunks = self._chunks()
        except BaseException as exc:  # text/option errors: raised before the first chunk
            self._put(exc)
            return
        samples = 0
        try:
            encoder = StreamEncoder(self.job.format)
            for chunk in chunks:
                if self.cancel.is_set():
                    return
                samples += len(chunk.samples)
                if samples > self.max_seconds * SAMPLE_RATE:
                    raise over_budget(samples / SAMPLE_RATE, self.max_seconds)
                data = self._payload(encoder, chunk)
                if not self._room():
                    return
                self._put(data)
            self._put(self._closing(encoder, samples))
            self._put(StreamEnd(samples=samples, synthesis_seconds=time.perf_counter() - start))
        except BaseException as exc:
            self._put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # cancels the phrases not started yet

    async def next(self, timeout: float) -> bytes | StreamEnd:
        """The next item; raises the worker's error, or 504 after ``timeout`` seconds of silence."""
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            self.cancel.set()
            raise SynthesisTimeoutError(f"no audio for {timeout:g} s",
                                        hint="raise SHENGQING_TIMEOUT") from None
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, bytes):
            self._credits.release()
        return item

    async def body(self, first: bytes, on_end: Any, *, keep: int = 0) -> AsyncGenerator[bytes, None]:
        """The response body after ``first``; ``on_end(StreamEnd, all_bytes | None)`` runs once complete.

        The bytes sent are kept for the cache only up to ``keep`` bytes (the largest entry the cache takes);
        past that, or with ``keep=0``, they are dropped and ``on_end`` gets None.
        """
        collected: list[bytes] | None = [first] if len(first) <= keep else None
        size = len(first)
        finished = False
        try:
            if first:
                yield first
            while True:
                try:
                    item = await self.next(self.timeout)
                except Exception as exc:
                    self.metrics.stream_errors.inc()
                    log.error("stream of %d chars ended early: %s: %s", len(self.job.text),
                              type(exc).__name__, exc, exc_info=not isinstance(exc, ShengqingError))
                    raise StreamAborted(str(exc)) from None
                if isinstance(item, StreamEnd):
                    finished = True
                    await on_end(item, b"".join(collected) if collected is not None else None)
                    return
                if item:
                    size += len(item)
                    if collected is not None:
                        if size <= keep:
                            collected.append(item)
                        else:
                            collected = None  # can never be cached: stop holding what was sent
                    yield item
        finally:
            if not finished:
                self.cancel.set()  # client disconnected or error: stop the remaining phrases
