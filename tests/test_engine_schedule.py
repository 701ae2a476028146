"""How the engine orders a request's work on its pool (the audio is the same either way: test_engine.py)."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest

from shengqing import Synthesizer

TEXT = "你好，今天天气很好。我们出去走走吧！"


def _record(engine: Synthesizer, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float, float]]:
    """(stage, start, end) of every acoustic call and vocoder window the engine runs from now on."""
    events: list[tuple[str, float, float]] = []
    lock = threading.Lock()

    def timed(stage: str, run: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return run(*args, **kwargs)
            finally:
                with lock:
                    events.append((stage, start, time.perf_counter()))
        return wrapper

    monkeypatch.setattr(engine._acoustic, "run", timed("acoustic", engine._acoustic.run))
    monkeypatch.setattr(engine._vocoder, "vocode_window", timed("window", engine._vocoder.vocode_window))
    return events


def _acoustic_calls(events: list[tuple[str, float, float]]) -> list[tuple[float, float]]:
    return sorted((start, end) for stage, start, end in events if stage == "acoustic")


def test_whole_synthesis_runs_acoustic_calls_side_by_side(engine: Synthesizer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With two workers, the second phrase's acoustic call starts while the first one runs: no worker
    waits for the other to finish the acoustic model."""
    events = _record(engine, monkeypatch)
    engine.synthesize(TEXT)
    calls = _acoustic_calls(events)
    assert len(calls) == 3
    (_, first_end), (second_start, _) = calls[0], calls[1]
    assert second_start < first_end


def test_streaming_runs_acoustic_calls_in_phrase_order(engine: Synthesizer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming keeps earlier audio first: a phrase's acoustic call waits until the phrase before it has
    queued its windows, so two acoustic calls never run side by side."""
    events = _record(engine, monkeypatch)
    for _ in engine.stream(TEXT):
        pass
    calls = _acoustic_calls(events)
    assert len(calls) == 3
    for (_, end), (next_start, _) in itertools.pairwise(calls):
        assert next_start >= end
