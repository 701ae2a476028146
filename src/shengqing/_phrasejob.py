"""One phrase's work on the engine's pool: the acoustic model, then its vocoder windows (see :mod:`.engine`)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from . import emotion
from .acoustic import AcousticModel, PhonemeControls
from .audio import SAMPLE_RATE, StageTimings
from .frontend.align import SyllableSource
from .options import SynthesisOptions
from .vocoder import CONTEXT_FRAMES, Vocoder, plan_windows

_T = TypeVar("_T")

MAX_WINDOW_FRAMES = 256 - 2 * CONTEXT_FRAMES  # 256 frames with the context: bounds the vocoder memory (~35 MB)
PEAK_LIMIT = 0.97  # limiter ceiling (full scale = 1.0)


class JobHost(Protocol):
    """What a phrase job needs from its engine."""

    _acoustic: AcousticModel
    _vocoder: Vocoder

    def _submit(self, fn: Callable[..., _T], *args: Any) -> Future[_T]: ...

    def _free_workers(self) -> int: ...

    def _cores_free(self) -> int: ...


@dataclass(frozen=True)
class PlannedPhrase:
    """One acoustic-model call: phone ids, their controls, and what follows it."""

    text: str
    ids: np.ndarray
    controls: PhonemeControls
    speed: float
    volume: float
    pause_ms: int
    options: SynthesisOptions
    frontend_seconds: float
    sources: tuple[SyllableSource, ...] = ()  # where each syllable is in the input (timestamps)


class PhraseJob:
    """Acoustic model, then the phrase's vocoder windows, all on the engine's pool.

    The pool is FIFO. When streaming, a phrase's acoustic job is queued only once the previous phrase has
    queued its vocoder windows (``after``): earlier audio is never stuck behind later phrases, which keeps
    the time to the first chunk short. A whole synthesis passes no ``after``: its acoustic jobs go first,
    and no worker waits while another runs the acoustic model.
    """

    def __init__(self, engine: JobHost, phrase: PlannedPhrase, pieces: int,
                 after: PhraseJob | None = None) -> None:
        self._engine = engine
        self._phrase = phrase
        self._pieces = pieces
        self._cancelled = False
        self._lock = threading.Lock()
        self._windows: list[Future[tuple[np.ndarray, float]]] = []
        self._acoustic_seconds = 0.0
        self.durations = np.zeros(0, np.int32)  # frames per phone id, once the acoustic model has run
        self._acoustic: Future[None] | None = None
        self._submitted = threading.Event()  # the acoustic job is on the pool (or never will be)
        self._dispatched = False  # the windows are on the pool (or never will be)
        self._followers: list[Callable[[], None]] = []
        if after is None:
            self._submit()
        else:
            after._then(self._submit)

    def _then(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self._dispatched:
                self._followers.append(callback)
                return
        callback()

    def _release_followers(self) -> None:
        with self._lock:
            self._dispatched = True
            followers, self._followers = self._followers, []
        for callback in followers:
            callback()

    def _submit(self) -> None:
        with self._lock:
            if not self._cancelled:
                self._acoustic = self._engine._submit(self._run_acoustic)
            self._submitted.set()
            cancelled = self._cancelled
        if cancelled:
            self._release_followers()

    def _run_acoustic(self) -> None:
        try:
            if self._phrase.ids.size == 0:  # a pause only (SSML <break>)
                return
            start = time.perf_counter()
            out = self._engine._acoustic.run(self._phrase.ids, self._phrase.controls, self._phrase.speed,
                                             threads=self._engine._cores_free())
            self.durations = out.durations
            mel = emotion.transform_mel(out.mel, self._phrase.options)
            self._acoustic_seconds = time.perf_counter() - start
            # Split only over workers that are free now: when other requests keep the pool busy, the windows'
            # overlap would be pure extra work. The cut never changes the samples, so load may decide it.
            wanted = min(self._pieces, self._engine._free_workers() + 1)
            pieces = max(wanted, math.ceil(len(mel) / MAX_WINDOW_FRAMES))
            with self._lock:
                if not self._cancelled:
                    self._windows = [self._engine._submit(self._run_window, mel, w)
                                     for w in plan_windows(len(mel), pieces)]
        finally:
            self._release_followers()

    def _run_window(self, mel: np.ndarray, window: Any) -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        wave = self._engine._vocoder.vocode_window(mel, window)
        return wave, time.perf_counter() - start

    def result(self) -> tuple[np.ndarray, StageTimings]:
        self._submitted.wait()
        if self._acoustic is None:
            raise CancelledError
        self._acoustic.result()
        parts = [f.result() for f in self._windows]
        wave: np.ndarray = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.float32)
        samples = _to_int16(wave, self._phrase.volume)
        pause = np.zeros(int(self._phrase.pause_ms * SAMPLE_RATE / 1000), np.int16)
        timings = StageTimings(self._phrase.frontend_seconds, self._acoustic_seconds, sum(p[1] for p in parts))
        return np.concatenate([samples, pause]), timings

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            never_runs = self._acoustic is None or self._acoustic.cancel()
            for future in self._windows:
                future.cancel()
        if never_runs:
            self._release_followers()


def _to_int16(wave: np.ndarray, volume: float) -> np.ndarray:
    """Apply the volume gain with a phrase-level limiter, then quantise to int16 deterministically."""
    scaled = wave.astype(np.float32) * np.float32(volume)
    peak = float(np.max(np.abs(scaled))) if len(scaled) else 0.0
    if peak > PEAK_LIMIT:
        scaled *= np.float32(PEAK_LIMIT / peak)
    quantised: np.ndarray = np.clip(np.rint(scaled * 32767.0), -32768, 32767).astype(np.int16)
    return quantised


