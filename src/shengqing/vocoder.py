"""Vocoder stage: mel → waveform with Multi-band MelGAN, in overlapping windows.

MB-MelGAN is convolutional: an output frame depends only on the mel frames within ``CONTEXT_FRAMES`` of it
(its receptive field: one mel frame reaches 20.6 frames of samples on either side, measured by letting a NaN
frame spread through the graph; tests/test_window_cuts.py keeps the two equal). So a phrase
can be cut into windows that overlap by that context, vocoded independently — in parallel, by different
interpreters — and the kept centres joined: the result is the same bytes whatever the cut. Each
interpreter may itself use several threads (XNNPACK splits outputs, not sums: same bits, tested). That is
what makes streaming equal whole synthesis, and the core count of the machine irrelevant to the audio.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .acoustic import FRAME_SAMPLES
from .runtime import KernelMode, ModelSource, allocate, make_interpreter

CONTEXT_FRAMES = 21


@dataclass(frozen=True)
class Window:
    """Vocode mel frames ``[start, stop)``, keep the output of frames ``[keep_start, keep_stop)``."""

    start: int
    stop: int
    keep_start: int
    keep_stop: int


def plan_windows(frames: int, pieces: int) -> list[Window]:
    """Cut ``frames`` into ``pieces`` (≥ 1) nearly equal kept spans, each with its context."""
    pieces = max(1, min(pieces, frames))
    bounds = [round(i * frames / pieces) for i in range(pieces + 1)]
    windows = []
    for keep_start, keep_stop in itertools.pairwise(bounds):
        windows.append(Window(start=max(0, keep_start - CONTEXT_FRAMES),
                              stop=min(frames, keep_stop + CONTEXT_FRAMES),
                              keep_start=keep_start, keep_stop=keep_stop))
    return windows


class Vocoder:
    """Thread-safe: each calling thread gets its own LiteRT interpreter (using ``threads`` cores); in the
    portable mode one re-entrant interpreter serves every thread (one copy of the weights).

    ``reserve_frames``: each interpreter is first allocated for a call of this many frames. The installed
    graph has static shapes (see :mod:`shengqing.models.vocoder_graph`), so LiteRT plans one arena that
    only ever grows; sized for the largest window up front, later calls of any smaller length reuse it
    instead of reallocating (and page-faulting) fresh memory each time.
    """

    def __init__(self, model: ModelSource, mode: KernelMode, *, reserve_frames: int = 0, threads: int = 1) -> None:
        self._model = model
        self._mode = mode
        self._threads = threads if mode is KernelMode.FAST else 1
        self._reserve_frames = reserve_frames
        self._local = threading.local()
        self._shared: Any = None
        self._shared_lock = threading.Lock()

    def _portable(self) -> Any:
        with self._shared_lock:
            if self._shared is None:
                self._shared = make_interpreter(self._model, self._mode, sequence=True)
            return self._shared

    def _interpreter(self) -> tuple[Any, int, int]:
        state = getattr(self._local, "state", None)
        if state is None:
            portable = self._mode is KernelMode.PORTABLE
            interpreter = self._portable() if portable else make_interpreter(self._model, self._mode, self._threads)
            state = (interpreter, interpreter.get_input_details()[0]["index"],
                     interpreter.get_output_details()[0]["index"])
            self._local.state = state
            self._local.frames = -1
            if self._reserve_frames > 0 and not portable:
                interpreter.resize_tensor_input(state[1], [1, self._reserve_frames, 80])
                allocate(interpreter)
                self._local.frames = self._reserve_frames
        return state

    def vocode_window(self, mel: np.ndarray, window: Window) -> np.ndarray:
        """Float waveform of the kept frames of ``window`` (``mel`` is the whole phrase, [frames, 80])."""
        interpreter, input_index, output_index = self._interpreter()
        segment = np.ascontiguousarray(mel[window.start:window.stop], np.float32)[None]
        frames = segment.shape[1]
        if self._local.frames != frames and self._mode is not KernelMode.PORTABLE:
            interpreter.resize_tensor_input(input_index, [1, frames, 80])
            allocate(interpreter)
            self._local.frames = frames
        interpreter.set_tensor(input_index, segment)
        interpreter.invoke()
        wave = interpreter.get_tensor(output_index)[0, :, 0]
        first = (window.keep_start - window.start) * FRAME_SAMPLES
        last = (window.keep_stop - window.start) * FRAME_SAMPLES
        return np.array(wave[first:last], dtype=np.float32)

    def vocode(self, mel: np.ndarray, pieces: int = 1) -> np.ndarray:
        """Whole phrase in the calling thread (the engine parallelises windows itself)."""
        return np.concatenate([self.vocode_window(mel, w) for w in plan_windows(len(mel), pieces)])
