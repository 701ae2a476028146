"""The acoustic model's int8 layers, one product each: LiteRT's integer kernels against float32 BLAS.

Both give the same exact sums (``shengqing.portable.integer``); this measures what the integer kernels buy.
Every int8 layer the portable interpreter hands to them is timed at two row counts (a phrase's phonemes and
its mel frames), alternating the two kinds, one thread each (BLAS held to one), medians of ``--repeats``.

    python benchmarks/int8_products.py [--repeats 30] [--out benchmarks/results/int8_products.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from shengqing.models.store import ACOUSTIC_FILE, ModelStore  # noqa: E402
from shengqing.portable import PortableInterpreter, integer  # noqa: E402
from shengqing.runtime import cpu_description, limit_blas_threads, runtime_versions  # noqa: E402

#: a phrase of ~40 phonemes and its ~300 mel frames (the encoder's and the decoder's row counts)
ROWS = (40, 300)


def _weights(model: bytes) -> list[Any]:
    """Every product layer's prepared weights, in graph order."""
    return [op.prepared["weights"] for op in PortableInterpreter(model)._ops if "weights" in op.prepared]


def _median_us(call: Any, argument: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call(argument)
        times.append(time.perf_counter() - start)
    return 1e6 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "int8_products.json")
    args = parser.parse_args()
    limit_blas_threads()
    model = ModelStore().ensure().read_verified(ACOUSTIC_FILE)
    if not integer.available():
        sys.exit("the integer kernels failed their probe on this CPU: nothing to compare")
    with_integers = _weights(model)
    proved, integer.available = integer.available, lambda: False  # type: ignore[assignment]
    try:
        with_blas = _weights(model)  # the same graph, the same order: its layers pair up
    finally:
        integer.available = proved
    pairs = [(a, b) for a, b in zip(with_integers, with_blas, strict=True) if a.integer is not None]
    rng = np.random.default_rng(0)
    rows_out: list[dict[str, Any]] = []
    totals = {n: [0.0, 0.0] for n in ROWS}
    for layer, other in pairs:
        assert other.integer is None
        for n in ROWS:
            q = rng.integers(-128, 128, (n, layer.integer.terms)).astype(np.float32)
            assert np.array_equal(np.asarray(layer.int8_rows_product(q), np.float64),
                                  np.asarray(other.int8_rows_product(q), np.float64))
            integer_us = blas_us = 0.0
            for _ in range(2):  # alternating halves
                integer_us += _median_us(layer.int8_rows_product, q, args.repeats // 2) / 2
                blas_us += _median_us(other.int8_rows_product, q, args.repeats // 2) / 2
            totals[n][0] += integer_us
            totals[n][1] += blas_us
            rows_out.append({"outputs": layer.integer.outputs, "terms": layer.integer.terms, "rows": n,
                             "integer_us": round(integer_us, 1), "blas_float32_us": round(blas_us, 1),
                             "speedup": round(blas_us / integer_us, 2)})
    summary = {str(n): {"integer_ms": round(t[0] / 1e3, 2), "blas_float32_ms": round(t[1] / 1e3, 2),
                        "speedup": round(t[1] / t[0], 2)} for n, t in totals.items()}
    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpu": cpu_description(), "runtime": runtime_versions(),
              "repeats": args.repeats, "all_layers": summary, "layers": rows_out}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for n, s in summary.items():
        print(f"{len(pairs)} int8 layers at {n} rows: integer {s['integer_ms']} ms, "
              f"float32 BLAS {s['blas_float32_ms']} ms ({s['speedup']}x)")


if __name__ == "__main__":
    main()
