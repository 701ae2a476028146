"""A fake engine (unit tests only) and the real app served by uvicorn on a loopback thread around it.

The fake produces ``chunk_seconds`` of a tone per phrase, ``phrases`` times, as fast as asked; it counts
what it produced so a test can see whether synthesis ran ahead of its client, and can fail after a number
of phrases to break a stream in the middle.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import uvicorn

from shared_helpers import free_port
from shengqing.audio import SAMPLE_RATE, AudioChunk
from shengqing.server import Settings, create_app


class FakeModel:
    fingerprint = "fake-model"


class FakeEngine:
    kernels = "fast"
    model = FakeModel()

    def __init__(self, *, phrases: int = 10, chunk_seconds: float = 1.0, fail_after: int | None = None,
                 phrase_delay: float = 0.0) -> None:
        self.phrases = phrases
        self.chunk_seconds = chunk_seconds
        self.fail_after = fail_after
        self.phrase_delay = phrase_delay
        self.produced = 0
        self.started = 0
        self.closed = False

    def stream(self, text: str, *, ssml: bool | None = None, options: Any = None,
               **kwargs: Any) -> Iterator[AudioChunk]:
        self.started += 1
        return self._chunks(text)

    def _chunks(self, text: str) -> Iterator[AudioChunk]:
        tone = (np.sin(np.arange(int(self.chunk_seconds * SAMPLE_RATE)) * 0.05) * 8000).astype(np.int16)
        for index in range(self.phrases):
            if self.fail_after is not None and index >= self.fail_after:
                raise RuntimeError("the fake engine broke on purpose")
            if self.phrase_delay:
                time.sleep(self.phrase_delay)
            self.produced += 1
            yield AudioChunk(samples=tone.copy(), index=index, text=text, is_last=index == self.phrases - 1)

    def info(self) -> dict[str, Any]:
        return {"model": "fake", "files": {}}

    def warm_up(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True


class InProcessServer:
    """The real app (real settings, middlewares, routes) with a fake engine, on a uvicorn thread."""

    def __init__(self, engine: FakeEngine, **settings: Any) -> None:
        self.engine = engine
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        values = {"warm_up": False, "concurrency": 1, "queue": 4, "timeout": 10.0, "cache_url": "off",
                  "model_watch": 0, **settings}
        app = create_app(Settings(**values), engine_factory=lambda _: engine)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> InProcessServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise AssertionError("the in-process server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
