"""Could an off-the-shelf integer GEMM replace the portable mode's exact float32 products? A probe of ONNX
Runtime's MatMulInteger (int8 inputs, int32 sums: exact in principle, and shipped as wheels for every
platform we target), for speed against NumPy's float32 GEMM and for exactness on other CPUs.

Not a dependency of shengqing: install the two packages somewhere aside, then run

    pip install --target /tmp/ort onnxruntime onnx
    PYTHONPATH=/tmp/ort python benchmarks/int8_kernel_probe.py [--qemu-cpu Haswell]

``--qemu-cpu`` also runs the saturation check (every pair of products at its largest, 255 x 127) under
``qemu-x86_64-static -cpu MODEL``: CPUs without AVX-512 VNNI or AVX-VNNI take a kernel path whose
``vpmaddubsw`` saturates pairs of u8 x s8 products at 16 bits (not with 7-bit activations). Writes
``benchmarks/results/int8_kernel_probe.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
#: Acoustic-model products at their run-time shapes (rows = frames), and one vocoder product.
_SHAPES = ((600, 256, 3072), (600, 512, 2560), (600, 1024, 768), (144, 48, 3646))


def _session(signed_weights: bool) -> Any:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    weight_type = TensorProto.INT8 if signed_weights else TensorProto.UINT8
    inputs = [helper.make_tensor_value_info("A", TensorProto.UINT8, ["M", "K"]),
              helper.make_tensor_value_info("B", weight_type, ["K", "N"]),
              helper.make_tensor_value_info("a_zero", TensorProto.UINT8, []),
              helper.make_tensor_value_info("b_zero", weight_type, [])]
    output = helper.make_tensor_value_info("Y", TensorProto.INT32, ["M", "N"])
    node = helper.make_node("MatMulInteger", ["A", "B", "a_zero", "b_zero"], ["Y"])
    model = helper.make_model(helper.make_graph([node], "probe", inputs, [output]),
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _feeds(a: np.ndarray, w: np.ndarray, signed_weights: bool) -> dict[str, np.ndarray]:
    """``a`` in -128..127 as u8 with zero point 128; ``w`` in -127..127 as s8 (zero point 0) or u8 (128)."""
    if signed_weights:
        return {"A": (a + 128).astype(np.uint8), "B": w.astype(np.int8), "a_zero": np.array(128, np.uint8),
                "b_zero": np.array(0, np.int8)}
    return {"A": (a + 128).astype(np.uint8), "B": (w + 128).astype(np.uint8), "a_zero": np.array(128, np.uint8),
            "b_zero": np.array(128, np.uint8)}


def _median_seconds(call: Any, repeats: int = 9) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def saturation_check() -> dict[str, Any]:
    """u8 x s8 with every product at its largest, for 8-bit activations (255 x 127) and 7-bit ones
    (127 x 127, whose pairs stay below 2^15): exact sums or saturated ones."""
    session = _session(signed_weights=True)
    result = {}
    for bits, top in ((8, 255), (7, 127)):
        feeds = {"A": np.full((64, 64), top, np.uint8), "B": np.full((64, 64), 127, np.int8),
                 "a_zero": np.array(0, np.uint8), "b_zero": np.array(0, np.int8)}
        got = int(session.run(None, feeds)[0][0, 0])
        result[f"{bits}-bit activations"] = {"expected": top * 127 * 64, "got": got, "exact": got == top * 127 * 64}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qemu-cpu", action="append", default=[], help="also check saturation under this CPU")
    parser.add_argument("--saturation-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "int8_kernel_probe.json")
    args = parser.parse_args()
    if args.saturation_only:
        print(json.dumps(saturation_check()))
        return 0
    import onnxruntime
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    rng = np.random.default_rng(0)
    rows = []
    for signed in (False, True):
        session = _session(signed)
        for m, k, n in _SHAPES:
            a, w = rng.integers(-128, 128, (m, k)), rng.integers(-127, 128, (k, n))
            feeds = _feeds(a, w, signed)
            exact = np.array_equal(session.run(None, feeds)[0], a @ w)
            a32, w32 = a.astype(np.float32), w.astype(np.float32)
            ort_s = _median_seconds(lambda: session.run(None, feeds))  # noqa: B023 (called at once)
            numpy_s = _median_seconds(lambda: np.matmul(a32, w32))  # noqa: B023
            rows.append({"kernel": "u8 x s8" if signed else "u8 x u8", "shape": [m, k, n], "exact_here": exact,
                         "onnxruntime_ms": round(ort_s * 1e3, 2), "numpy_float32_ms": round(numpy_s * 1e3, 2),
                         "ratio": round(ort_s / numpy_s, 2)})
            print(json.dumps(rows[-1]), flush=True)
    emulated = {"native": saturation_check()}
    for cpu in args.qemu_cpu:
        done = subprocess.run(["qemu-x86_64-static", "-cpu", cpu, sys.executable, __file__, "--saturation-only"],
                              capture_output=True, text=True, check=False, timeout=1800)
        emulated[cpu] = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {
            "error": done.stderr.strip()[-300:]}
    print(json.dumps({"u8 x s8 saturation check": emulated}), flush=True)
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "onnxruntime": onnxruntime.__version__, "products": rows,
              "u8_s8_saturation_check": emulated}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
