"""Acoustic stage: phone ids (+ per-phoneme prosody controls) → mel spectrogram, via the repaired FastSpeech2.

The model knows nothing of language: it takes symbol ids and control arrays and returns frames.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InvalidOptionError
from .portable import parallel
from .runtime import KernelMode, ModelSource, allocate, make_interpreter

FRAME_SAMPLES = 300  # one mel frame = 12.5 ms at 24 kHz


@dataclass(frozen=True)
class PhonemeControls:
    """Per-phoneme prosody controls, one value per input id (see :mod:`shengqing.models.repair`).

    ``f0' = f0 * f0_scale + f0_shift`` and ``energy' = energy * energy_scale + energy_shift`` on the model's
    normalised scales; ``duration_scale`` multiplies each phoneme's frames (2.0 = twice as long).
    """

    f0_scale: np.ndarray
    f0_shift: np.ndarray
    energy_scale: np.ndarray
    energy_shift: np.ndarray
    duration_scale: np.ndarray

    @classmethod
    def neutral(cls, length: int) -> PhonemeControls:
        ones = np.ones(length, np.float32)
        zeros = np.zeros(length, np.float32)
        return cls(ones, zeros, ones.copy(), zeros.copy(), ones.copy())

    def __len__(self) -> int:
        return len(self.f0_scale)

    def as_inputs(self) -> dict[str, np.ndarray]:
        return {name: np.ascontiguousarray(getattr(self, name), np.float32).reshape(1, -1)
                for name in ("f0_scale", "f0_shift", "energy_scale", "energy_shift", "duration_scale")}


@dataclass(frozen=True)
class AcousticOutput:
    mel: np.ndarray        # [frames, 80] float32, normalised log-mel after postnet
    durations: np.ndarray  # [T] int32 frames per input id
    f0: np.ndarray         # [T] predicted normalised f0 (before controls)
    energy: np.ndarray     # [T] predicted normalised energy (before controls)


class AcousticModel:
    """Thread-safe wrapper around one interpreter.

    One interpreter serves every worker (one per worker would cost ~30 MB each). LiteRT's calls are
    serialised; the portable interpreter is re-entrant, so its calls run side by side. ``threads`` > 1 lets
    one call use up to that many cores (the first phrase of a request decides the time to first audio) —
    in the portable mode for its BLAS products only: the int8 layers' integer products, now most of its
    products, run on the calling core. Each call may ask for fewer, so a busy pool is not oversubscribed.
    The mel does not depend on it (see :mod:`shengqing.runtime` and :mod:`shengqing.portable.parallel`).
    """

    def __init__(self, model: ModelSource, mode: KernelMode, *, threads: int = 1) -> None:
        self._model = model
        self._mode = mode
        # LiteRT's reference kernels are single-threaded; the portable interpreter splits its products over
        # helper threads (its BLAS is held to one thread, see runtime.limit_blas_threads)
        self._threads = 1 if mode is KernelMode.REFERENCE else threads
        self._lock = threading.Lock()
        self._state: tuple[Any, dict[str, Any], dict[str, int]] | None = None
        self._allocated = False
        self._current_threads = self._threads

    def _interpreter(self) -> tuple[Any, dict[str, Any], dict[str, int]]:
        if self._state is None:
            interpreter = make_interpreter(self._model, self._mode, self._threads)
            inputs = {d["name"]: d for d in interpreter.get_input_details()}
            outputs = {d["name"]: d["index"] for d in interpreter.get_output_details()}
            self._state = (interpreter, inputs, outputs)
        return self._state

    def run(self, ids: np.ndarray, controls: PhonemeControls, speed: float = 1.0, *,
            threads: int | None = None) -> AcousticOutput:
        """Run FastSpeech2 on ``ids`` (int32, eos included). ``speed`` > 1 is faster speech.

        ``threads``: cores this call may use (at most the model's ``threads``; default all of them).
        """
        length = len(ids)
        if len(controls) != length:
            raise InvalidOptionError(f"controls have {len(controls)} values for {length} phone ids")
        wanted = self._threads if threads is None else max(1, min(threads, self._threads))
        if self._mode is KernelMode.PORTABLE:
            with self._lock:
                state = self._interpreter()
            with parallel.cores(wanted):
                return self._invoke(state, ids, controls, speed)
        with self._lock:
            return self._run_litert(ids, controls, speed, wanted)

    def _run_litert(self, ids: np.ndarray, controls: PhonemeControls, speed: float, threads: int) -> AcousticOutput:
        length = len(ids)
        state = self._interpreter()
        interpreter, inputs, _ = state
        if threads != self._current_threads:
            # LiteRT's Python class has no public setter; its wrapper's SetNumThreads re-sizes the int8
            # kernels' thread pool for the following invokes.
            interpreter._interpreter.SetNumThreads(threads)
            self._current_threads = threads
        for detail in inputs.values():
            if list(detail["shape_signature"]) == [1, -1] and list(detail["shape"]) != [1, length]:
                interpreter.resize_tensor_input(detail["index"], [1, length])
                detail["shape"] = np.array([1, length])
                self._allocated = False
        if not self._allocated:
            allocate(interpreter)
            self._allocated = True
        return self._invoke(state, ids, controls, speed)

    @staticmethod
    def _invoke(state: tuple[Any, dict[str, Any], dict[str, int]], ids: np.ndarray, controls: PhonemeControls,
                speed: float) -> AcousticOutput:
        interpreter, inputs, outputs = state
        feed = {
            "input_ids": np.asarray(ids, np.int32).reshape(1, -1),
            "speaker_ids": np.zeros(1, np.int32),
            "speed_ratios": np.array([1.0 / speed], np.float32),
            "f0_ratios": np.ones(1, np.float32),
            "energy_ratios": np.ones(1, np.float32),
            **controls.as_inputs(),
        }
        for name, value in feed.items():
            interpreter.set_tensor(inputs[name]["index"], value)
        interpreter.invoke()
        mel = interpreter.get_tensor(outputs["Identity_1"])[0]
        return AcousticOutput(
            mel=np.array(mel, dtype=np.float32),
            durations=np.array(interpreter.get_tensor(outputs["Identity_2"])[0], dtype=np.int32),
            f0=np.array(interpreter.get_tensor(outputs["Identity_3"])[0], dtype=np.float32),
            energy=np.array(interpreter.get_tensor(outputs["Identity_4"])[0], dtype=np.float32),
        )
