"""The code runs where Linux's conveniences are missing (Windows, macOS, containers without /proc).

Each capability is taken away with monkeypatch, and the fallback must give the same audio.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pytest

from shengqing import Synthesizer
from shengqing.models import store
from shengqing.models.store import VOCODER_FILE, InstalledModel
from shengqing.runtime import cpu_description

TEXT = "你好，欢迎使用语音合成服务。"


@pytest.mark.parametrize("fd_dir", [None, "/nonexistent/fd"], ids=["windows-macos", "linux-without-proc"])
def test_model_files_are_handed_over_as_checked_bytes_without_fd_paths(
        monkeypatch: pytest.MonkeyPatch, installed_model: InstalledModel, fd_dir: str | None) -> None:
    monkeypatch.setattr(store, "FD_DIR", fd_dir)
    verified = installed_model.open_verified(VOCODER_FILE)
    assert verified.path is None
    assert verified.interpreter_source() == {"model_content": (installed_model.directory / VOCODER_FILE).read_bytes()}


def test_synthesis_without_fd_paths_gives_the_same_bytes(monkeypatch: pytest.MonkeyPatch,
                                                         installed_model: InstalledModel) -> None:
    with Synthesizer(model=installed_model, kernels="fast", threads=1) as synth:
        expected = synth.synthesize(TEXT).pcm_bytes()
    monkeypatch.setattr(store, "FD_DIR", None)
    with Synthesizer(model=installed_model, kernels="fast", threads=1) as synth:
        assert all(f.path is None for f in synth._files)
        assert synth.synthesize(TEXT).pcm_bytes() == expected


def test_cpu_description_without_proc_cpuinfo_or_uname(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    on_linux = cpu_description()
    monkeypatch.delattr(os, "uname", raising=False)  # as on Windows
    described = cpu_description(cpuinfo=str(tmp_path / "no-cpuinfo"))
    assert described["machine"] == platform.machine() == on_linux["machine"]
    assert described["cores"] == on_linux["cores"]
    assert isinstance(described["model"], str) and described["model"]
    if platform.machine() in ("x86_64", "AMD64"):  # numpy's detection, named like /proc/cpuinfo's flags
        assert {"sse4_1", "sse4_2"} <= set(described["simd_flags"])
        common = {"avx", "avx2", "fma", "f16c", "sse4_1", "sse4_2", "avx512f"}
        assert set(described["simd_flags"]) & common == set(on_linux["simd_flags"]) & common


def test_manifests_name_the_blas_kernels_the_cpu_got() -> None:
    """OpenBLAS picks its kernels per CPU model at load time; the environment records which it picked."""
    import subprocess
    import sys

    code = "from shengqing.runtime import runtime_versions; print(runtime_versions()['blas_core'])"
    cores = {}
    for coretype in ("", "Nehalem", "Sandybridge"):
        env = {**os.environ, "OPENBLAS_CORETYPE": coretype}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        cores[coretype] = done.stdout.strip()
    assert cores["Nehalem"] == "Nehalem" and cores["Sandybridge"] == "Sandybridge"
    assert cores[""] not in ("", "unknown")
