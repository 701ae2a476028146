"""Identical bytes across platforms for the kernel modes that promise it (heavy: emulated CPUs, minutes).

Runs the cross-platform harness (``scripts/platforms/matrix.py``, also ``./run.sh cross-platform``) per mode
on a small suite — the first standard sentence as wav and opus for the default mode, as wav alone for the
slower reference kernels: an emulated render costs minutes — and asserts that every platform listed for the
mode gives the PCM and encoded bytes of every other (the raw sha256s, and shengqing verify's own
classification against the first platform). Extend :data:`PORTABLE_MODES` when a mode starts promising
identity on more platforms (``arm64`` needs root: the harness builds a Debian arm64 root under
``$SHENGQING_PLATFORMS_CACHE`` once).

Opus is in since its libopus runs as WebAssembly (``shengqing._opus``); before, a native libopus's
approximate reciprocals (``rcpps``/``rsqrtps``) gave other opus bytes on other CPUs (docs/platforms.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

X86_LEVELS = ("native", "nehalem", "sandybridge", "haswell", "max")
ARM64_MODELS = ("arm64", "arm64-n1", "arm64-a76")  # qemu's max (SVE2, SME), Neoverse N1, Cortex-A76
#: kernel mode → the platforms on which it promises identical PCM and encoded bytes
PORTABLE_MODES: dict[str, tuple[str, ...]] = {
    "portable": (*X86_LEVELS, *ARM64_MODELS),  # the default mode's promise (docs/consistency.md)
    "reference": X86_LEVELS,  # LiteRT's reference kernels round differently on arm64 (measured)
}
#: kernel mode → the suite it is checked on
SUITES = {"portable": "tiny-opus", "reference": "tiny"}
MATRIX = Path(__file__).resolve().parents[2] / "scripts" / "platforms" / "matrix.py"

pytestmark = [
    pytest.mark.heavy,
    pytest.mark.skipif(shutil.which("qemu-x86_64-static") is None,
                       reason="needs qemu-user-static (./run.sh cross-platform installs it)"),
]


@pytest.mark.parametrize("mode", sorted(PORTABLE_MODES))
def test_mode_gives_identical_bytes_on_every_platform(mode: str, tmp_path: Path) -> None:
    platforms = PORTABLE_MODES[mode]
    if any(p.startswith("arm64") for p in platforms) and os.geteuid() != 0:
        pytest.skip("the arm64 root needs root (debootstrap, chroot, mounts)")
    done = subprocess.run([sys.executable, str(MATRIX), "--modes", mode, "--platforms", ",".join(platforms),
                           "--suite", SUITES[mode], "--out", str(tmp_path), "--jobs", "2", "--expect-identical", mode],
                          capture_output=True, text=True, check=False)
    assert (tmp_path / "matrix.json").is_file(), done.stderr[-2000:]
    matrix = json.loads((tmp_path / "matrix.json").read_text(encoding="utf-8"))
    cells = {name: matrix["cells"][name][mode] for name in platforms}
    assert not [c for c in cells.values() if c["status"] == "error"], {n: c.get("error") for n, c in cells.items()}
    hashes = {name: matrix["runs"][name][mode]["sha256"] for name in platforms}  # item → PCM/bytes sha256
    assert len({json.dumps(h, sort_keys=True) for h in hashes.values()}) == 1, hashes
    baseline = f"vs_{platforms[0]}"
    verdicts = {name: cell[baseline]["status"] for name, cell in cells.items() if baseline in cell}
    assert set(verdicts.values()) == {"identical"}, verdicts
    assert done.returncode == 0, done.stderr[-2000:]
