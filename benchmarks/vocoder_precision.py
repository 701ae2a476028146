"""How many bits the portable vocoder's exact products need: quality against the fast vocoder at fewer bits,
and what cheaper products would save.

The portable vocoder snaps weights and activations to 20 significant bits so that float64 GEMMs are exact.
Its float64 products alone cost about as much as the fast mode's whole vocoder, so a cheaper exact product
(float32 GEMMs, or an integer kernel) needs fewer bits: float32 is exact only while weight bits + activation
bits + log2(contracted terms) <= 24, i.e. 8 x 8 bits in chunks of up to 256 terms. This script measures:

1. quality: the same mels (portable acoustic model) vocoded by the fast vocoder (float, LiteRT) and by the
   portable vocoder at several weight x activation bit widths; aligned log-mel distance (dB, the verify
   tool's measure) and waveform SNR against the fast vocoder;
2. cost: the portable vocoder's own products, recorded at their run-time shapes, timed in float64 and in
   float32 (one BLAS thread, medians), in CPU-seconds per audio-second.

    python benchmarks/vocoder_precision.py [--sentences 17] [--out benchmarks/results/vocoder_precision.json]

A measurement for design decisions only: nothing here changes what the engine computes. The bit widths are
set by wrapping the weight preparation (Weights.prepare) for the duration of one interpreter's decoding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import shengqing.portable.conv as conv  # noqa: E402
import shengqing.portable.numerics as nm  # noqa: E402
from shengqing import Synthesizer  # noqa: E402
from shengqing.options import SynthesisOptions  # noqa: E402
from shengqing.runtime import limit_blas_threads  # noqa: E402
from shengqing.verify.acoustics import contour_of, logmel_distance, snr_db  # noqa: E402

sys.path.insert(0, str(HERE))
from run import read_texts  # noqa: E402  (the benchmark's own texts)

_TEXTS = HERE.parent / "tests" / "data" / "texts" / "standard.txt"
_WIDTHS = ((20, 20), (12, 12), (10, 10), (8, 10), (8, 8))
_SAMPLES_PER_FRAME = 300
_RATE = 24000


def _int16(wave: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(np.rint(wave * 32767.0), -32768, 32767), np.int16)


def _vocode_at(mels: list[np.ndarray], weight_bits: int, activation_bits: int) -> list[np.ndarray]:
    """The portable vocoder with its float weights snapped to ``weight_bits`` and its activations to
    ``activation_bits`` (a fresh interpreter, so the weights are prepared at these widths)."""
    prepare = conv.Weights.prepare.__func__  # type: ignore[attr-defined]
    snap = nm.snap

    def narrow(cls: Any, values: np.ndarray, int8_scale: Any, bias: Any, **options: Any) -> conv.Weights:
        nm.snap = lambda x, axis=-1, bits=nm.BITS: snap(x, axis=axis, bits=weight_bits)
        try:
            weights: conv.Weights = prepare(cls, values, int8_scale, bias, **options)
        finally:
            nm.snap = snap
        if int8_scale is None:
            object.__setattr__(weights, "activation_bits", activation_bits)
        return weights

    conv.Weights.prepare = classmethod(narrow)  # type: ignore[method-assign,assignment]
    try:
        with Synthesizer(kernels="portable", threads=1) as synth:
            return [synth._vocoder.vocode(mel) for mel in mels]
    finally:
        conv.Weights.prepare = classmethod(prepare)  # type: ignore[method-assign,assignment]


def _product_shapes(mels: list[np.ndarray]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The operand shapes of every product the portable vocoder takes on ``mels``."""
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    inner = nm.matmul

    def record(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        shapes.append((a.shape, b.shape))
        return inner(a, b)

    nm.matmul = record
    try:
        with Synthesizer(kernels="portable", threads=1) as synth:
            for mel in mels:
                synth._vocoder.vocode(mel)
    finally:
        nm.matmul = inner
    return shapes


def _time_products(shapes: list[tuple[tuple[int, ...], tuple[int, ...]]], dtype: type, rounds: int) -> float:
    """CPU seconds for all the products at ``shapes`` in ``dtype`` (median of ``rounds``)."""
    rng = np.random.default_rng(0)
    operands = [(rng.integers(-127, 128, a).astype(dtype), rng.integers(-127, 128, b).astype(dtype))
                for a, b in shapes]
    totals = []
    for _ in range(rounds):
        start = time.process_time()
        for a, b in operands:
            np.matmul(a, b)
        totals.append(time.process_time() - start)
    return statistics.median(totals)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=17)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "vocoder_precision.json")
    args = parser.parse_args()
    texts = read_texts(_TEXTS)[: args.sentences]
    limit_blas_threads()
    with Synthesizer(kernels="portable", threads=1) as synth:
        plans = [p for t in texts for p in synth._plan(t, SynthesisOptions(), None) if p.ids.size]
        mels = [synth._acoustic.run(p.ids, p.controls, p.speed).mel for p in plans]
    audio_s = sum(len(m) for m in mels) * _SAMPLES_PER_FRAME / _RATE
    with Synthesizer(kernels="fast", threads=1) as synth:
        reference = [_int16(synth._vocoder.vocode(mel)) for mel in mels]
    reference_contours = [contour_of(r) for r in reference]
    quality = []
    for weight_bits, activation_bits in _WIDTHS:
        waves = [_int16(w) for w in _vocode_at(mels, weight_bits, activation_bits)]
        distances = [logmel_distance(c, contour_of(w)) for c, w in zip(reference_contours, waves, strict=True)]
        snrs = [s for s in (snr_db(r, w) for r, w in zip(reference, waves, strict=True)) if s is not None]
        row = {"weight_bits": weight_bits, "activation_bits": activation_bits,
               "logmel_db_mean": round(float(np.mean(distances)), 3),
               "logmel_db_max": round(float(np.max(distances)), 3),
               "snr_db_median": round(float(np.median(snrs)), 1) if snrs else None}
        quality.append(row)
        print(json.dumps(row), flush=True)
    shapes = _product_shapes(mels)
    float64 = _time_products(shapes, np.float64, args.rounds)
    float32 = _time_products(shapes, np.float32, args.rounds)
    cost = {"products": len(shapes), "float64_cpu_s_per_audio_s": round(float64 / audio_s, 4),
            "float32_cpu_s_per_audio_s": round(float32 / audio_s, 4),
            "float32_over_float64": round(float32 / float64, 3)}
    print(json.dumps(cost), flush=True)
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0], "sentences": len(texts),
              "phrases": len(mels), "audio_s": round(audio_s, 2), "reference": "fast vocoder on the same mels",
              "quality": quality, "product_cost": cost}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
