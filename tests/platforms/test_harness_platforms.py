"""The cross-platform harness hands each platform its CPU model and kernel choice (no emulation here)."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "platforms"


def _matrix() -> Any:
    spec = importlib.util.spec_from_file_location("platform_matrix", SCRIPTS / "matrix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("name", "expected_env", "expected_command"), [
    ("haswell-avxblas", {"OPENBLAS_CORETYPE": "Sandybridge"}, ["qemu-x86_64-static", "-cpu", "Haswell"]),
    ("sandybridge", {"OPENBLAS_CORETYPE": "Sandybridge"}, ["qemu-x86_64-static", "-cpu", "SandyBridge"]),
    # OpenBLAS's own detection under qemu-user may see the host (Haswell kernels under -cpu Nehalem on an AMD EPYC)
    ("nehalem", {"OPENBLAS_CORETYPE": "Nehalem"}, ["qemu-x86_64-static", "-cpu", "Nehalem"]),
    ("haswell", {"OPENBLAS_CORETYPE": "Haswell"}, ["qemu-x86_64-static", "-cpu", "Haswell"]),
    ("arm64-n1", {"QEMU_CPU": "neoverse-n1", "OPENBLAS_CORETYPE": "NEOVERSEN1"},
     ["bash", str(SCRIPTS / "arm64-run.sh")]),
    ("arm64-a76", {"QEMU_CPU": "cortex-a76"}, ["bash", str(SCRIPTS / "arm64-run.sh")]),
    ("arm64-sme", {"OPENBLAS_CORETYPE": "ARMV9SME"}, ["bash", str(SCRIPTS / "arm64-run.sh")]),
    ("arm64-a64fx", {"QEMU_CPU": "a64fx", "OPENBLAS_CORETYPE": "A64FX"}, ["bash", str(SCRIPTS / "arm64-run.sh")]),
])
def test_each_platform_runs_with_its_cpu_model_and_blas_kernels(
        name: str, expected_env: dict[str, str], expected_command: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    matrix = _matrix()
    seen: dict[str, Any] = {}

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.update(command=command, env=kwargs["env"])
        return subprocess.CompletedProcess(command, 1, "", "no render here")

    monkeypatch.delenv("QEMU_CPU", raising=False)
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.setattr(matrix.subprocess, "run", fake_run)
    args = argparse.Namespace(reuse=False, threads=None, nice=0, timeout=1.0)
    result = matrix.run_one(matrix.PLATFORMS[name], "portable", tmp_path / "suite.json", tmp_path, tmp_path, args)
    assert result["error"] == "no render here"
    assert seen["command"][:len(expected_command)] == expected_command
    for key in ("QEMU_CPU", "OPENBLAS_CORETYPE"):
        assert seen["env"].get(key) == expected_env.get(key), key
    assert seen["env"]["SHENGQING_KERNELS"] == "portable"


def test_the_arm64_runner_keeps_the_cpu_model_through_its_clean_environment() -> None:
    """binfmt starts a new qemu for every exec inside the root; QEMU_CPU must survive ``env -i``."""
    script = (SCRIPTS / "arm64-run.sh").read_text(encoding="utf-8")
    assert 'env+=("QEMU_CPU=$QEMU_CPU")' in script
    assert 'env+=("OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE")' in script
