"""What portability costs at the least: the portable mode's exact matrix products alone vs the fast mode's
whole acoustic model and vocoder, in CPU-seconds per audio-second, measured in one run.

The portable mode snaps every operand to a power-of-two grid so that each product is exact, then multiplies
in float64 (float weights) or float32 chunks (int8 weights) through NumPy's BLAS. Those GEMMs are a floor
that no rewrite of the surrounding NumPy code can go below; if they alone cost more than the whole fast
path, a capacity target set from the fast mode cannot be met by the portable design on this machine.

    python benchmarks/portable_floor.py [--rounds 3] [--sentences 8] [--out benchmarks/results/portable_floor.json]

One BLAS thread, stages called directly (no worker pool), sentences from the shared standard texts.
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

import shengqing.portable.numerics as nm  # noqa: E402
from shengqing import Synthesizer  # noqa: E402
from shengqing.options import SynthesisOptions  # noqa: E402
from shengqing.runtime import limit_blas_threads  # noqa: E402

_TEXTS = HERE.parent / "tests" / "data" / "texts" / "standard.txt"


class _GemmClock:
    """Wraps the one place the portable kernels multiply matrices and adds up its CPU time."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._inner = nm.matmul

    def __call__(self, a: Any, b: Any) -> Any:
        start = time.process_time()
        out = self._inner(a, b)
        self.seconds += time.process_time() - start
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=8)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "portable_floor.json")
    args = parser.parse_args()
    texts = [t for t in _TEXTS.read_text(encoding="utf-8").splitlines() if t.strip()][: args.sentences]
    limit_blas_threads()
    clock = _GemmClock()
    nm.matmul = clock
    rounds: dict[str, list[dict[str, float]]] = {"fast": [], "portable": []}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for kernels in ("fast", "portable"):  # alternating, so load drifts hit both modes alike
            result = _measure(kernels, texts, clock)
            rounds[kernels].append(result)
            print(f"{kernels:9s} acoustic {result['acoustic']:.4f} vocoder {result['vocoder']:.4f} "
                  f"model {result['model']:.4f} CPU-s/audio-s; exact GEMMs {result['gemm']:.4f}", flush=True)
    median = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in rounds.items()}
    summary = {
        "portable_gemm_per_audio_s": median["portable"]["gemm"],
        "fast_model_per_audio_s": median["fast"]["model"],
        "portable_model_per_audio_s": median["portable"]["model"],
        "gemm_over_fast_model": median["portable"]["gemm"] / median["fast"]["model"],
        "portable_over_fast_model": median["portable"]["model"] / median["fast"]["model"],
    }
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "load_average_at_start": load, "sentences": len(texts),
              "rounds": rounds, "median": median, "summary": summary}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
