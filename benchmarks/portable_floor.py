"""What portability costs at the least: the portable mode's exact matrix products alone vs the fast mode's
whole acoustic model and vocoder, in CPU-seconds per audio-second, measured in one run.

The portable mode snaps every operand to a power-of-two grid so that each product is exact, then multiplies
in float64 or float32 chunks through NumPy's BLAS, or (int8 weights, since f1a9c45) in LiteRT's integer
kernels (`shengqing.portable.integer`); both kinds of product are timed. Those GEMMs are a floor
that no rewrite of the surrounding NumPy code can go below; if they alone cost more than the whole fast
path, a capacity target set from the fast mode cannot be met by the portable design on this machine.

    python benchmarks/portable_floor.py [--rounds 3] [--sentences 8] [--out benchmarks/results/portable_floor.json]

One BLAS thread, stages called directly (no worker pool), sentences from the shared standard texts. Also
times the critical path to the first streamed chunk of the benchmark's 1000-character text (the first
phrase's acoustic model, then the larger of its two vocoder windows) with the exact GEMMs inside it.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import shengqing.portable.integer as integer  # noqa: E402
import shengqing.portable.numerics as nm  # noqa: E402
from shengqing import Synthesizer  # noqa: E402
from shengqing.options import SynthesisOptions  # noqa: E402
from shengqing.runtime import limit_blas_threads  # noqa: E402
from shengqing.vocoder import plan_windows  # noqa: E402

sys.path.insert(0, str(HERE))
from run import read_texts, text_of_length  # noqa: E402  (the benchmark's own texts)

_TEXTS = HERE.parent / "tests" / "data" / "texts" / "standard.txt"


class _GemmClock:
    """Wraps the one place the portable kernels multiply matrices and adds up its CPU time."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.wall = 0.0
        self._inner = nm.matmul

    def __call__(self, a: Any, b: Any) -> Any:
        return self.timed(self._inner, a, b)

    def timed(self, product: Any, *args: Any) -> Any:
        start, wall = time.process_time(), time.perf_counter()
        out = product(*args)
        self.seconds += time.process_time() - start
        self.wall += time.perf_counter() - wall
        return out


def _measure(kernels: str, texts: list[str], clock: _GemmClock) -> dict[str, float]:
    os.environ["SHENGQING_KERNELS"] = kernels
    with Synthesizer() as synth:
        plans = [p for t in texts for p in synth._plan(t, SynthesisOptions(), None) if p.ids.size]
        synth._vocoder.vocode(synth._acoustic.run(plans[0].ids, plans[0].controls).mel)  # warm
        clock.seconds = 0.0
        acoustic = vocoder = 0.0
        frames = 0
        for plan in plans:
            start = time.process_time()
            mel = synth._acoustic.run(plan.ids, plan.controls, plan.speed).mel
            acoustic += time.process_time() - start
            frames += mel.shape[-2]
            start = time.process_time()
            synth._vocoder.vocode(mel)
            vocoder += time.process_time() - start
    audio = frames * 300 / 24000
    return {"acoustic": acoustic / audio, "vocoder": vocoder / audio, "model": (acoustic + vocoder) / audio,
            "gemm": clock.seconds / audio, "audio_s": audio}


def _first_chunk_path(text: str, clock: _GemmClock, repeats: int = 10) -> dict[str, float]:
    """The portable mode's critical path to the first streamed chunk of ``text``, stage by stage (wall
    seconds, medians): the first phrase's acoustic model, then the larger of the two windows its vocoding is
    split into when both cores are free (the chunk waits for both), and the exact GEMMs inside each."""
    os.environ["SHENGQING_KERNELS"] = "portable"
    rows = []
    with Synthesizer() as synth:
        plan = next(p for p in synth._plan(text, SynthesisOptions(), None) if p.ids.size)
        for _ in range(repeats + 2):
            clock.wall = 0.0
            start = time.perf_counter()
            mel = synth._acoustic.run(plan.ids, plan.controls, plan.speed).mel
            acoustic, acoustic_gemm = time.perf_counter() - start, clock.wall
            window = max(plan_windows(len(mel), 2), key=lambda w: w.stop - w.start)
            clock.wall = 0.0
            start = time.perf_counter()
            synth._vocoder.vocode_window(mel, window)
            rows.append((acoustic, acoustic_gemm, time.perf_counter() - start, clock.wall))
    acoustic, acoustic_gemm, vocoder, vocoder_gemm = (statistics.median(r[i] for r in rows[2:]) for i in range(4))
    return {"phrase_frames": float(len(mel)), "window_frames": float(window.stop - window.start),
            "acoustic_s": acoustic, "acoustic_gemm_s": acoustic_gemm, "vocoder_window_s": vocoder,
            "vocoder_window_gemm_s": vocoder_gemm, "path_s": acoustic + vocoder,
            "path_gemm_s": acoustic_gemm + vocoder_gemm}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=8)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "portable_floor.json")
    args = parser.parse_args()
    lines = read_texts(_TEXTS)  # comment lines left out, as the benchmark does
    texts = lines[: args.sentences]
    limit_blas_threads()
    clock = _GemmClock()
    nm.matmul = clock
    integer_call = integer.IntegerProduct.__call__
    integer.IntegerProduct.__call__ = lambda self, q: clock.timed(integer_call, self, q)  # type: ignore[method-assign]
    rounds: dict[str, list[dict[str, float]]] = {"fast": [], "portable": []}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for kernels in ("fast", "portable"):  # alternating, so load drifts hit both modes alike
            result = _measure(kernels, texts, clock)
            rounds[kernels].append(result)
            print(f"{kernels:9s} acoustic {result['acoustic']:.4f} vocoder {result['vocoder']:.4f} "
                  f"model {result['model']:.4f} CPU-s/audio-s; exact GEMMs {result['gemm']:.4f}", flush=True)
    median = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in rounds.items()}
    first_chunk = _first_chunk_path(text_of_length(lines, 1000), clock)
    print("first chunk path (1000 characters):", json.dumps(first_chunk), flush=True)
    summary = {
        "portable_gemm_per_audio_s": median["portable"]["gemm"],
        "fast_model_per_audio_s": median["fast"]["model"],
        "portable_model_per_audio_s": median["portable"]["model"],
        "gemm_over_fast_model": median["portable"]["gemm"] / median["fast"]["model"],
        "portable_over_fast_model": median["portable"]["model"] / median["fast"]["model"],
    }
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "load_average_at_start": load, "sentences": len(texts),
              "rounds": rounds, "median": median, "summary": summary, "first_chunk_path": first_chunk}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
