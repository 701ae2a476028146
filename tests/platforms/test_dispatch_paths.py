"""The default mode gives the golden bytes on every code path an x86-64 CPU can select, at native speed.

numpy picks its SIMD loops and OpenBLAS its GEMM kernels by CPU at load time; the harness's ``native-avx2`` and
``native-sse4`` platforms hold both to a Haswell's or a Nehalem's choice on this CPU (``NPY_DISABLE_CPU_FEATURES``,
``OPENBLAS_CORETYPE``). Emulated CPUs run those paths 100-1000x slower (``test_cross_platform.py``, heavy); here
the whole default suite (33 items: every emotion, pitch, speed, volume and encoded format) runs on all
three in about a minute and must match ``golden/default-portable.json`` byte for byte.

This test's guard, checked once by hand (2026-12-02, AMD EPYC): with 12 bits instead of 8 in the vocoder's
single-precision products (partial sums beyond 2^24, so inexact and order-dependent), the held Nehalem path
gives another PCM than the native one for 23 of the 33 items, the Haswell path for 1. (Chunks of 512 terms
at 8 bits changed nothing: real activations never reach the worst case that 256 guards against; that is
tests/portable/test_conv.py's job.)
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MATRIX = REPO / "scripts" / "platforms" / "matrix.py"
PATHS = ("native", "native-avx2", "native-sse4")

pytestmark = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                                reason="numpy's and OpenBLAS's x86-64 code paths")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("dispatch")
    done = subprocess.run([sys.executable, str(MATRIX), "--modes", "portable", "--platforms", ",".join(PATHS),
                           "--suite", "full", "--golden", str(REPO / "golden" / "default-portable.json"),
                           "--out", str(out), "--jobs", "2"], capture_output=True, text=True, check=False)
    assert (out / "matrix.json").is_file(), done.stderr[-2000:]
    result: dict[str, object] = json.loads((out / "matrix.json").read_text(encoding="utf-8"))
    return result


def test_each_platform_ran_on_the_code_paths_it_names(matrix: dict[str, object]) -> None:
    runs = matrix["runs"]
    assert isinstance(runs, dict)
    seen = {name: runs[name]["portable"] for name in PATHS}
    assert not [n for n, r in seen.items() if "error" in r], {n: r.get("error") for n, r in seen.items()}
    assert seen["native-avx2"]["blas_core"] == "Haswell"
    assert seen["native-sse4"]["blas_core"] == "Nehalem"
    assert "X86_V4" not in seen["native-avx2"]["numpy_dispatch"].split(",")
    assert seen["native-sse4"]["numpy_dispatch"].split(",") == ["X86_V2"]


def test_every_code_path_gives_the_golden_bytes(matrix: dict[str, object]) -> None:
    runs, cells = matrix["runs"], matrix["cells"]
    assert isinstance(runs, dict) and isinstance(cells, dict)
    hashes = {name: runs[name]["portable"]["sha256"] for name in PATHS}  # item → PCM/encoded sha256
    assert len(hashes["native"]) >= 30, "the default suite shrank"
    assert hashes["native-avx2"] == hashes["native"] and hashes["native-sse4"] == hashes["native"]
    verdicts = {name: cells[name]["portable"]["vs_golden"]["status"] for name in PATHS}
    assert set(verdicts.values()) == {"identical"}, verdicts
