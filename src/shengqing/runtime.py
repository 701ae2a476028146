"""LiteRT interpreters with a fixed threading contract, and the kernel modes.

Thread counts never change the bits, by construction and by test (1, 2 and 4 threads over the standard
suite): the vocoder graph, once its shapes are static (see :mod:`shengqing.models.vocoder_graph`), runs
entirely in XNNPACK, which splits a convolution's *outputs* across threads, never its sums; the acoustic
model's heavy layers are int8 hybrid kernels whose sums are exact integer arithmetic. (LiteRT's builtin
float kernels, which ran the shipped vocoder's dynamic-shape graph, do split reductions: its PCM changed
with the thread count.) So interpreters may use several threads; parallelism also comes from vocoding
windows of a phrase on different workers, which never changes the bits either (see :mod:`shengqing.vocoder`).

Kernel modes:

* ``fast`` (default) — LiteRT's optimised builtin kernels with the XNNPACK delegate. Bit-identical across
  runs, processes, thread counts and workers on one CPU family; the optimised kernels choose code paths by
  CPU instruction set (SSE/AVX2/AVX-512…), so bits may differ between CPU families.
* ``reference`` — LiteRT's reference kernels (``BUILTIN_REF``): plain C++ loops that do not dispatch on the
  instruction set, so the same bits on any machine. About 20× slower.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import platform
import threading
from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .models.store import VerifiedFile

#: A model's flatbuffer: its bytes, or a verified file LiteRT maps itself.
ModelSource = Union[bytes, "VerifiedFile"]


class KernelMode(StrEnum):
    FAST = "fast"
    REFERENCE = "reference"

    @classmethod
    def parse(cls, value: str | KernelMode | None, *, field: str = "kernels") -> KernelMode:
        """``None`` → ``$SHENGQING_KERNELS`` or ``fast``; anything else must name a mode."""
        if isinstance(value, KernelMode):
            return value
        raw = value if value is not None else os.environ.get("SHENGQING_KERNELS", "fast")
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise ConfigError(f"unknown kernel mode {raw!r}", field=field, value=raw,
                              hint="use 'fast' or 'reference'") from None


_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """LiteRT's C++ logger prints "INFO: Created … XNNPACK delegate" to fd 2 and has no switch for it."""
    with _STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all
            yield
            return
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 2)
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def make_interpreter(model: ModelSource, mode: KernelMode, threads: int = 1) -> Any:
    """A LiteRT interpreter over ``model`` for the given kernel mode (single-threaded unless asked)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if mode is KernelMode.REFERENCE else OpResolverType.AUTO
    source = {"model_content": model} if isinstance(model, bytes) else model.interpreter_source()
    with _native_stderr_silenced():
        return Interpreter(**source, num_threads=threads, experimental_op_resolver_type=resolver)


def allocate(interpreter: Any) -> None:
    """``allocate_tensors`` with LiteRT's delegate log kept off stderr (the delegate is applied here)."""
    with _native_stderr_silenced():
        interpreter.allocate_tensors()


def runtime_versions() -> dict[str, str]:
    """Versions of the libraries that can change the audio (part of the environment fingerprint)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("ai-edge-litert", "numpy", "soundfile", "pypinyin", "jieba", "g2pM", "wetext"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "missing"
    import soundfile

    found["libsndfile"] = str(soundfile.__libsndfile_version__)
    found["numpy_simd"] = ",".join(sorted(_numpy_simd()))
    return found


def _numpy_cpu_features() -> set[str]:
    """The CPU features numpy detected (CPUID on x86, so right under emulation too)."""
    try:
        module = importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:  # pragma: no cover - older numpy
        return set()
    features: dict[str, bool] = module.__cpu_features__
    return {name for name, enabled in features.items() if enabled}


def _numpy_simd() -> set[str]:
    return {name for name in _numpy_cpu_features() if name.startswith(("AVX", "SSE", "FMA"))}


def cpu_description(cpuinfo: str = "/proc/cpuinfo") -> dict[str, Any]:
    """CPU model, core count and the SIMD flags that select fast-kernel code paths.

    Linux lists them in ``/proc/cpuinfo``; elsewhere (Windows, macOS) the model comes from :mod:`platform`
    and the flags from numpy's CPU detection, named like Linux's. (Under qemu-user ``/proc/cpuinfo`` is the
    host's: ``runtime.numpy_simd`` is what the emulated CPU really offers.)
    """
    model = "unknown"
    flags: list[str] = []
    wanted = ("avx", "sse4", "fma", "f16c", "avx512")
    try:
        with open(cpuinfo, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = sorted({f for f in line.split(":", 1)[1].split() if f.startswith(wanted)})
    except OSError:
        model = platform.processor() or "unknown"
        flags = sorted(f for f in (_LINUX_FLAG_NAMES.get(n, n.lower()) for n in _numpy_cpu_features())
                       if f.startswith(wanted))
    return {"model": model, "cores": os.cpu_count() or 1, "simd_flags": flags, "machine": platform.machine()}


#: numpy's names for the CPU features whose Linux (/proc/cpuinfo) names differ
_LINUX_FLAG_NAMES = {"FMA3": "fma", "SSE41": "sse4_1", "SSE42": "sse4_2"}


def as_float32(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.float32)
