"""LiteRT interpreters with a fixed threading contract, and the kernel modes.

Thread counts never change the bits, by construction and by test (1, 2 and 4 threads over the standard
suite): the vocoder graph, once its shapes are static (see :mod:`shengqing.models.vocoder_graph`), runs
entirely in XNNPACK, which splits a convolution's *outputs* across threads, never its sums; the acoustic
model's heavy layers are int8 hybrid kernels whose sums are exact integer arithmetic. (LiteRT's builtin
float kernels, which ran the shipped vocoder's dynamic-shape graph, do split reductions: its PCM changed
with the thread count.) So interpreters may use several threads; parallelism also comes from vocoding
windows of a phrase on different workers, which never changes the bits either (see :mod:`shengqing.vocoder`).

Kernel modes:

* ``portable`` (default) — the graphs run in NumPy with exact products and IEEE basic operations only
  (:mod:`shengqing.portable`): the same bits on every CPU and operating system, x86-64 at any ISA level and
  arm64 alike, at any thread count.
* ``fast`` — LiteRT's optimised builtin kernels with the XNNPACK delegate. Bit-identical across runs,
  processes, thread counts and workers on one CPU family; the optimised kernels choose code paths by CPU
  instruction set (SSE/AVX2/AVX-512…), so bits differ between CPU families. The cheapest in CPU time.
* ``reference`` — LiteRT's reference kernels (``BUILTIN_REF``): plain C++ loops that do not dispatch on the
  x86 instruction set (same bits across x86-64 levels); about 10× slower than ``fast``. The audit mode.
"""

from __future__ import annotations

import functools
import importlib
import os
import platform
import weakref
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ._native import native_stderr_silenced
from .errors import ConfigError

if TYPE_CHECKING:
    from .models.store import VerifiedFile

#: A model's flatbuffer: its bytes, or a verified file LiteRT maps itself.
ModelSource = Union[bytes, "VerifiedFile"]


class KernelMode(StrEnum):
    PORTABLE = "portable"
    FAST = "fast"
    REFERENCE = "reference"

    @classmethod
    def parse(cls, value: str | KernelMode | None, *, field: str = "kernels") -> KernelMode:
        """``None`` → ``$SHENGQING_KERNELS`` or ``portable`` (read by :mod:`shengqing.config`); anything else
        must name a mode."""
        if isinstance(value, KernelMode):
            return value
        if value is None:
            from .config import env_kernels

            value = env_kernels()
        raw = value
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise ConfigError(f"unknown kernel mode {raw!r}", field=field, value=raw,
                              hint="use 'portable', 'fast' or 'reference'") from None


#: The mode names, for option parsers.
KERNEL_MODES = tuple(mode.value for mode in KernelMode)


#: LiteRT's C++ logger prints "INFO: Created … XNNPACK delegate" to fd 2 and has no switch for it.
_native_stderr_silenced = native_stderr_silenced


def model_bytes(model: ModelSource) -> bytes:
    """The flatbuffer's bytes (read through the verified descriptor when LiteRT would map it)."""
    if isinstance(model, bytes):
        return model
    if model.content is not None:
        return model.content
    with open(model.interpreter_source()["model_path"], "rb") as handle:
        return handle.read()


def make_interpreter(model: ModelSource, mode: KernelMode, threads: int = 1, *, sequence: bool = False) -> Any:
    """An interpreter over ``model`` for the given kernel mode (single-threaded unless asked).

    ``portable``: a :mod:`shengqing.portable` interpreter (``sequence``: the channel-major one for the
    purely convolutional vocoder); it is re-entrant, so one instance may serve every thread, ``threads`` of
    them at once at full speed (its int8 products keep a copy of their weights per thread, see
    :class:`shengqing.portable.integer.IntegerProduct`); BLAS is held to one thread
    (:func:`limit_blas_threads`), and a call's cores are set with :func:`shengqing.portable.parallel.cores`.
    Otherwise LiteRT's interpreter.
    """
    if mode is KernelMode.PORTABLE:
        from .portable import PortableInterpreter, SequenceInterpreter

        content = model_bytes(model)
        interpreter = (SequenceInterpreter(content, concurrency=threads) if sequence
                       else PortableInterpreter(content, concurrency=threads))
        del content
        release_free_memory()  # decoding the flatbuffer left ~20 MB of freed Python objects in the heap
        return interpreter
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if mode is KernelMode.REFERENCE else OpResolverType.AUTO
    source = {"model_content": model} if isinstance(model, bytes) else model.interpreter_source()
    with _native_stderr_silenced():
        return Interpreter(**source, num_threads=threads, experimental_op_resolver_type=resolver)


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; elsewhere nothing)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        pass


_BLAS_LIMIT: Any = None


def limit_blas_threads() -> None:
    """Hold NumPy's BLAS to one thread per call (process-wide, once).

    The portable kernels' GEMMs are exact, so threads could never change the bits; but the engine already
    runs one worker per core, and a multi-threaded BLAS under each would oversubscribe the machine.
    """
    global _BLAS_LIMIT
    if _BLAS_LIMIT is None:
        from threadpoolctl import threadpool_limits

        _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")


def allocate(interpreter: Any) -> None:
    """``allocate_tensors`` with LiteRT's delegate log kept off stderr.

    The delegate is applied, and logs, on an interpreter's first allocation only; later ones (after a
    resize) run without the redirect, which is process-wide: every other thread's stderr lines (server
    logs) written meanwhile would be lost.
    """
    if interpreter in _ALLOCATED:
        interpreter.allocate_tensors()
        return
    with _native_stderr_silenced():
        interpreter.allocate_tensors()
    _ALLOCATED.add(interpreter)


_ALLOCATED: weakref.WeakSet[Any] = weakref.WeakSet()  # interpreters whose delegate has been applied


def runtime_versions() -> dict[str, str]:
    """Versions of the libraries that can change the audio (part of the environment fingerprint)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("ai-edge-litert", "numpy", "soundfile", "wasmtime", "pypinyin", "jieba", "g2pM", "wetext"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "missing"
    import soundfile

    found["libsndfile"] = str(soundfile.__libsndfile_version__)
    from ._opus import build_id

    found["opus"] = build_id()
    found["numpy_simd"] = ",".join(sorted(_numpy_simd()))
    found["numpy_dispatch"] = _numpy_dispatch()
    found["blas_core"] = _blas_core()
    from .portable.integer import available

    # which kernels take the portable int8 layers' sums (the same integers either way; speed differs)
    found["int8_products"] = "litert-integer" if available() else "blas-float32"
    return found


@functools.cache
def _blas_core() -> str:
    """The kernel family numpy's bundled OpenBLAS chose for this CPU (it decides once, at load time)."""
    import ctypes

    package = Path(np.__file__).parent
    for folder in (package.parent / "numpy.libs", package / ".dylibs"):
        for path in sorted(folder.glob("*openblas*")) if folder.is_dir() else ():
            try:  # the library numpy already loaded: dlopen hands back the same instance
                library = ctypes.CDLL(str(path))
            except OSError:
                continue
            for symbol in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
                getter = getattr(library, symbol, None)
                if getter is not None:
                    getter.restype = ctypes.c_char_p
                    return str(getter().decode("ascii", "replace"))
    return "unknown"


def _numpy_core() -> Any:
    """numpy's C core, which knows the CPU features and SIMD dispatch (None on numpy < 2)."""
    try:
        return importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:  # pragma: no cover - older numpy
        return None


def _numpy_cpu_features() -> set[str]:
    """The CPU features numpy detected (CPUID on x86, so right under emulation too)."""
    module = _numpy_core()
    if module is None:  # pragma: no cover - older numpy
        return set()
    features: dict[str, bool] = module.__cpu_features__
    return {name for name, enabled in features.items() if enabled}


def _numpy_dispatch() -> str:
    """The SIMD targets numpy's loops really use: its build baseline plus the dispatch targets this CPU has
    and ``NPY_DISABLE_CPU_FEATURES`` did not turn off (numpy ≥ 2 names them X86_V2, X86_V3, …)."""
    module = _numpy_core()
    if module is None:  # pragma: no cover - older numpy
        return "unknown"
    features: dict[str, bool] = module.__cpu_features__
    used = [*module.__cpu_baseline__, *(name for name in module.__cpu_dispatch__ if features.get(name))]
    return ",".join(used) or "none"


def _numpy_simd() -> set[str]:
    return {name for name in _numpy_cpu_features() if name.startswith(("AVX", "SSE", "FMA", "ASIMD", "NEON", "SVE"))}


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
