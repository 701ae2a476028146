"""Why some emulated platforms render in minutes and others in hours: one float64 GEMM timed on each.

    python scripts/platforms/emulation_speed.py [--platforms nehalem,haswell,...] [--out FILE.json]

Runs the same small program on every platform of the cross-platform harness (``matrix.PLATFORMS``): five
products of a 256×512 by a 512×512 float64 matrix with integer-valued entries (exact, like the portable
mode's), one BLAS thread, and a pass of elementwise arithmetic. It prints the kernel family OpenBLAS picked
for the emulated CPU and the CPU-seconds of each part. Under qemu's TCG the fused multiply-add kernels
(x86 FMA3, Arm SVE/SME) are an order of magnitude slower than multiply-then-add ones; the portable mode's
products are exact, so both kinds give the same bits and only the time differs (docs/platforms.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from matrix import HERE, PLATFORMS, REPO, Platform

PROGRAM = """
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"  # read when numpy loads OpenBLAS (arm64-run.sh starts a clean env)
import json, time
import numpy as np
from shengqing.runtime import runtime_versions
a = (np.arange(256 * 512, dtype=np.float64).reshape(256, 512) % 17) - 8
b = (np.arange(512 * 512, dtype=np.float64).reshape(512, 512) % 13) - 6
start = time.process_time()
for _ in range(5):
    a @ b
gemm = time.process_time() - start
x = np.linspace(-3.0, 3.0, 1_000_000)
start = time.process_time()
for _ in range(5):
    x * x + x * 0.5 - np.floor(x)
elementwise = time.process_time() - start
print(json.dumps({"blas_core": runtime_versions()["blas_core"], "gemm_cpu_s": round(gemm, 2),
                  "elementwise_cpu_s": round(elementwise, 2), "checksum": float((a @ b).sum())}))
"""


def measure(platform: Platform) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), **dict(platform.env)}
    with tempfile.TemporaryDirectory() as scratch:
        if platform.arm64:
            command = ["bash", str(HERE / "arm64-run.sh"), str(REPO), scratch, scratch, "--", "-c", PROGRAM]
        else:
            command = [sys.executable, "-c", PROGRAM]
            if platform.qemu_cpu:
                command = ["qemu-x86_64-static", "-cpu", platform.qemu_cpu, *command]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platforms", default=",".join(PLATFORMS), help="comma-separated harness platforms")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    results = {}
    for name in [p.strip() for p in args.platforms.split(",") if p.strip()]:
        results[name] = {"description": PLATFORMS[name].description, **measure(PLATFORMS[name])}
        row = results[name]
        print(f"{name:16} {row.get('blas_core', '?'):12} gemm {row.get('gemm_cpu_s', '-')!s:>7} CPU-s   "
              f"elementwise {row.get('elementwise_cpu_s', '-')!s:>6} CPU-s  {row.get('error', '')}", flush=True)
    sums = {r["checksum"] for r in results.values() if "checksum" in r}
    print(f"same product everywhere: {'yes' if len(sums) == 1 else 'no'}")
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0 if len(sums) <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
