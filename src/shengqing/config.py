"""The engine's settings as one validated object; the only place that reads the engine's environment.

=====================  ==============================  ===============================================
setting                environment variable            default
=====================  ==============================  ===============================================
``home``               ``SHENGQING_HOME``              the user cache directory (``~/.cache/shengqing``)
``kernels``            ``SHENGQING_KERNELS``           ``portable``
``threads``            ``SHENGQING_THREADS``           the CPU cores, at most 8
``frontend_cache``     ``SHENGQING_CACHE``             the user cache directory
=====================  ==============================  ===============================================

:meth:`EngineConfig.from_env` reads them once; the :class:`~shengqing.engine.Synthesizer` and the model
store are handed the result instead of reading variables themselves. A bad value raises
:class:`~shengqing.errors.ConfigError` naming the variable (or the argument) and what is allowed, before
any model is loaded. The HTTP server's own settings live in :mod:`shengqing.server.settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

ENV_HOME = "SHENGQING_HOME"
ENV_KERNELS = "SHENGQING_KERNELS"
ENV_THREADS = "SHENGQING_THREADS"
ENV_FRONTEND_CACHE = "SHENGQING_CACHE"
KERNEL_NAMES = ("portable", "fast", "reference")  # = runtime.KERNEL_MODES (tested)
MAX_THREADS = 64
DEFAULT_MAX_THREADS = 8


def default_threads() -> int:
    """The CPU cores, at most 8 (more threads than that no longer pay on this model)."""
    return min(os.cpu_count() or 1, DEFAULT_MAX_THREADS)


@dataclass(frozen=True)
class EngineConfig:
    """How a :class:`~shengqing.engine.Synthesizer` runs. The audio never depends on ``threads``."""

    home: Path | None = None  # model home; None: the user cache directory
    kernels: str = "portable"  # portable | fast | reference
    threads: int = field(default_factory=default_threads)  # inference threads
    frontend_cache: Path | None = None  # the frontend's compiled dictionaries; None: the user cache directory
    #: where each value came from, for error messages (an argument name or an environment variable)
    sources: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        kernels = self.kernels.strip().lower() if isinstance(self.kernels, str) else self.kernels
        if kernels not in KERNEL_NAMES:
            raise self._bad("kernels", self.kernels, "'portable', 'fast' or 'reference'")
        object.__setattr__(self, "kernels", kernels)
        threads = self.threads
        if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
            raise self._bad("threads", threads, f"an integer from 1 to {MAX_THREADS}")
        for name in ("home", "frontend_cache"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                if not isinstance(value, str) or not value.strip():
                    raise self._bad(name, value, "a directory path")
                object.__setattr__(self, name, Path(value).expanduser())

    def _bad(self, name: str, value: Any, allowed: str) -> ConfigError:
        source = dict(self.sources).get(name, name)
        return ConfigError(f"{source} must be {allowed}, got {value!r}", field=source, value=value,
                           hint=f"expected {allowed}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> EngineConfig:
        """Defaults ← ``SHENGQING_*`` variables ← ``overrides`` that are not None (arguments win)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for name, variable in (("home", ENV_HOME), ("kernels", ENV_KERNELS), ("threads", ENV_THREADS),
                               ("frontend_cache", ENV_FRONTEND_CACHE)):
            raw = env.get(variable, "").strip()
            if raw:
                values[name], sources[name] = raw, variable
        if "threads" in values:
            try:
                values["threads"] = int(values["threads"])
            except ValueError:
                raise ConfigError(f"{ENV_THREADS} must be an integer from 1 to {MAX_THREADS}, got "
                                  f"{values['threads']!r}", field=ENV_THREADS, value=values["threads"],
                                  hint="unset it to use the CPU cores") from None
        for name, value in overrides.items():
            if value is not None:
                values[name], sources[name] = value, name
        return cls(**values, sources=tuple(sorted(sources.items())))

    def with_overrides(self, **overrides: Any) -> EngineConfig:
        """A copy with the given non-None values (validated; errors name the argument)."""
        given = {name: value for name, value in overrides.items() if value is not None}
        if not given:
            return self
        sources = {**dict(self.sources), **{name: name for name in given}}
        return replace(self, **given, sources=tuple(sorted(sources.items())))


def env_home(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$SHENGQING_HOME`` (the model home) or None."""
    return EngineConfig.from_env(_only(environ, ENV_HOME)).home


def env_frontend_cache(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$SHENGQING_CACHE`` (the frontend's cache directory) or None."""
    return EngineConfig.from_env(_only(environ, ENV_FRONTEND_CACHE)).frontend_cache


def env_kernels(environ: Mapping[str, str] | None = None) -> str:
    """``$SHENGQING_KERNELS`` or ``portable`` (validated)."""
    return EngineConfig.from_env(_only(environ, ENV_KERNELS)).kernels


def _only(environ: Mapping[str, str] | None, variable: str) -> dict[str, str]:
    """One variable of the environment: a bad value of another setting must not break this one."""
    env = os.environ if environ is None else environ
    return {variable: env[variable]} if variable in env else {}
