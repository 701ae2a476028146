"""Server settings: defaults, ``SHENGQING_*`` environment variables and CLI arguments, validated once.

Every setting has one name; the environment variable is ``SHENGQING_`` + the name in upper case (for
example ``max_chars`` ↔ ``SHENGQING_MAX_CHARS``). A bad value raises :class:`~shengqing.errors.ConfigError`
naming the setting, so the server refuses to start instead of failing on the first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError

ENV_PREFIX = "SHENGQING_"


def _cores() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    """Everything the HTTP service can be configured with (see ``docs/server.md`` for the table)."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1  # uvicorn processes
    threads: int | None = None  # inference threads per process (engine default: the cores, at most 8)
    kernels: str | None = None  # portable | fast | reference (engine default: $SHENGQING_KERNELS or portable)
    home: str | None = None  # model home
    concurrency: int = field(default_factory=_cores)  # requests synthesizing at once per process
    queue: int = 16  # requests allowed to wait for a slot; beyond that → 503 + Retry-After
    timeout: float = 60.0  # seconds per request (waiting + synthesis); → 504
    max_chars: int = 2000  # longest text of a non-streaming request; → 413 pointing to streaming
    max_chars_stream: int = 20000  # longest text of a streaming request
    max_body: int = 1_048_576  # bytes of request body; → 413
    max_audio_seconds: float = 600.0  # audio one non-streamed request may produce; → 413
    max_audio_seconds_stream: float = 7200.0  # audio one streamed request may produce; → 413
    max_silence_seconds: float = 60.0  # silence the <break> elements of one request may ask for; → 413
    shutdown_grace: float = 30.0  # seconds in-flight requests may take to finish after SIGTERM
    model_watch: float = 2.0  # seconds between checks of the model files (0 = no watchdog)
    header_timeout: float = 10.0  # seconds a client has to send complete request headers
    cache_url: str = "memory"  # "memory", "off" or redis://host:port/db
    cache_bytes: int = 64 * 1024 * 1024  # in-memory LRU budget
    cache_ttl: int = 7 * 24 * 3600  # seconds a Redis entry lives
    api_keys: tuple[str, ...] = ()
    api_keys_file: str | None = None
    cors_origins: tuple[str, ...] = ()
    warm_up: bool = True
    self_check: str = "warn"  # warn | require | off: reproduce the reference bytes at start-up (docs/consistency.md)
    log_level: str = "info"

    def __post_init__(self) -> None:
        self._check_int("port", 0, 65535)
        self._check_int("workers", 1, 64)
        if self.threads is not None:
            self._check_int("threads", 1, 64)
        self._check_int("concurrency", 1, 256)
        self._check_int("queue", 0, 10_000)
        self._check_int("max_chars", 1, 1_000_000)
        self._check_int("max_chars_stream", 1, 10_000_000)
        self._check_int("max_body", 1024, 1 << 30)
        self._check_int("cache_bytes", 0, 1 << 40)
        self._check_int("cache_ttl", 1, 10 * 365 * 86400)
        self._check_seconds("timeout", 0.1, 86400)
        self._check_seconds("max_audio_seconds", 1, 86400)
        self._check_seconds("max_audio_seconds_stream", 1, 864000)
        self._check_seconds("max_silence_seconds", 0, 86400)
        self._check_seconds("shutdown_grace", 0, 86400)
        self._check_seconds("model_watch", 0, 3600)
        self._check_seconds("header_timeout", 0.1, 3600)
        if self.kernels is not None and self.kernels not in ("portable", "fast", "reference"):
            raise _bad("kernels", self.kernels, "'portable', 'fast' or 'reference'")
        if self.self_check not in ("warn", "require", "off"):
            raise _bad("self_check", self.self_check, "'warn', 'require' or 'off'")
        if self.log_level not in ("critical", "error", "warning", "info", "debug", "trace"):
            raise _bad("log_level", self.log_level, "critical, error, warning, info, debug or trace")
        if self.cache_url not in ("memory", "off") and not self.cache_url.startswith(("redis://", "rediss://",
                                                                                        "unix://")):
            raise _bad("cache_url", self.cache_url, "'memory', 'off' or a redis://host:port/db URL")
        if not self.host:
            raise _bad("host", self.host, "an interface address such as 127.0.0.1 or 0.0.0.0")
        for origin in self.cors_origins:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise _bad("cors_origins", origin, "'*' or origins like https://example.com")

    def _check_seconds(self, name: str, low: float, high: float) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= float(value) <= high:
            raise _bad(name, value, f"seconds from {low:g} to {high:g}")

    def _check_int(self, name: str, low: int, high: int) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad(name, value, f"an integer from {low} to {high}")

    # -- construction ---------------------------------------------------------------------------------
    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults ← ``SHENGQING_*`` variables ← ``overrides`` (CLI arguments that were given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw.strip() != "":
                values[f.name] = _parse(f.name, raw.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.api_keys_file:
            settings = replace(settings, api_keys=settings.api_keys + _read_keys(settings.api_keys_file))
        return settings

    def to_env(self) -> dict[str, str]:
        """The settings as ``SHENGQING_*`` variables (hands them to uvicorn worker processes).

        API keys are left out: keys read from a file would otherwise be copied into every worker's
        environment (readable in ``/proc/PID/environ``); workers read the file themselves, and keys given
        as ``SHENGQING_API_KEYS`` are inherited as they were.
        """
        env: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or f.name == "api_keys":
                continue
            if isinstance(value, tuple):
                value = ",".join(value)
            elif isinstance(value, bool):
                value = "1" if value else "0"
            env[ENV_PREFIX + f.name.upper()] = str(value)
        return env

    @property
    def auth_required(self) -> bool:
        return bool(self.api_keys)

    def public(self) -> dict[str, Any]:
        """Settings safe to show (``/v1/info``): no keys."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)
                 if f.name not in ("api_keys", "api_keys_file", "cache_url")}
        shown["cache"] = _cache_kind(self.cache_url)
        shown["auth_required"] = self.auth_required
        return shown


_INT_FIELDS = {"port", "workers", "threads", "concurrency", "queue", "max_chars", "max_chars_stream",
               "max_body", "cache_bytes", "cache_ttl"}
_SECONDS_FIELDS = {"timeout", "max_audio_seconds", "max_audio_seconds_stream", "max_silence_seconds",
                   "shutdown_grace", "model_watch", "header_timeout"}
_SIZE_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def _parse(name: str, raw: str) -> Any:
    if name in _INT_FIELDS:
        text = raw.lower().removesuffix("b").replace("_", "")
        scale = 1
        if name in ("cache_bytes", "max_body") and text and text[-1] in _SIZE_UNITS:
            scale, text = _SIZE_UNITS[text[-1]], text[:-1]
        try:
            return int(text) * scale
        except ValueError:
            sized = name in ("cache_bytes", "max_body")
            raise _bad(name, raw, "an integer (k/m/g suffix allowed)" if sized else "an integer") from None
    if name in _SECONDS_FIELDS:
        try:
            return float(raw)
        except ValueError:
            raise _bad(name, raw, "a number of seconds") from None
    if name == "warm_up":
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise _bad(name, raw, "true or false")
    if name in ("api_keys", "cors_origins"):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if name in ("kernels", "log_level", "self_check"):
        return raw.lower()
    return raw


def _read_keys(path: str) -> tuple[str, ...]:
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"SHENGQING_API_KEYS_FILE: cannot read {path}: {exc.strerror or exc}",
                          field=ENV_PREFIX + "API_KEYS_FILE", value=path) from None
    keys = tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    if not keys:
        raise ConfigError(f"SHENGQING_API_KEYS_FILE: {path} contains no key",
                          field=ENV_PREFIX + "API_KEYS_FILE", value=path,
                          hint="one key per line; lines starting with # are comments")
    return keys


def _cache_kind(url: str) -> str:
    return url if url in ("memory", "off") else "redis"


def _bad(name: str, value: Any, allowed: str) -> ConfigError:
    shown = "<hidden>" if name == "api_keys" else value
    return ConfigError(f"invalid setting {name} ({ENV_PREFIX}{name.upper()} / --{name.replace('_', '-')}): "
                       f"{shown!r}", field=ENV_PREFIX + name.upper(), value=shown, hint=f"expected {allowed}")
