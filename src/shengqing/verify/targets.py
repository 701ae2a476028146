"""Where a suite is rendered: the in-process engine (``local``, ``local:fast``, ``local:reference``) or a live
server (``http://host:port``), behind one small interface.

A target turns a :class:`~shengqing.verify.suite.SuiteItem` into a :class:`Rendering` (PCM + the encoded
bytes in the item's format + the response headers that matter) or raises :class:`TargetError` with a
one-line reason — network errors, timeouts, HTTP errors and non-audio bodies all become a TargetError,
never a traceback.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .._version import __version__
from ..audio import decode
from .suite import SuiteItem

#: formats whose decoded samples are the PCM itself (lossy formats need a second request for the PCM)
LOSSLESS = ("wav", "pcm", "flac")
HEADERS = ("x-shengqing-kernels", "x-model-fingerprint", "x-cache", "x-shengqing-version")


class TargetError(Exception):
    """An item could not be rendered; the message says why in one line."""


@dataclass(frozen=True)
class Rendering:
    """One rendered item."""

    pcm: bytes  # int16 little-endian, 24 kHz mono
    encoded: bytes  # the item's format
    seconds: float  # wall time of the request(s)
    headers: dict[str, str] = field(default_factory=dict)

    def samples(self) -> np.ndarray:
        result: np.ndarray = np.frombuffer(self.pcm, dtype="<i2").astype(np.int16)
        return result


class Target(Protocol):
    """A place that renders suite items."""

    name: str

    def environment(self) -> dict[str, Any]:
        """The environment fingerprint (``/v1/info`` layout); ``{"error": ...}`` when unavailable."""
        ...

    def render(self, item: SuiteItem) -> Rendering:
        """Render ``item`` or raise :class:`TargetError`."""
        ...

    def close(self) -> None:
        """Release the engine or the connection pool."""
        ...


def local_environment(engine: Any) -> dict[str, Any]:
    """The environment fingerprint of an in-process engine, in the server's ``/v1/info`` layout."""
    from ..runtime import cpu_description, runtime_versions

    info: dict[str, Any] = engine.info()
    return {
        "name": "shengqing", "version": __version__, "kernels": str(info.get("kernels")),
        "model": {"name": info.get("model"), "fingerprint": info.get("model_fingerprint"),
                  "sha256": info.get("files", {})},
        "runtime": runtime_versions(), "cpu": cpu_description(),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
        "platform": {"system": platform.system(), "release": platform.release(), "machine": platform.machine()},
    }


class LocalTarget:
    """The in-process :class:`~shengqing.engine.Synthesizer` (``local`` or ``local:portable|fast|reference``)."""

    def __init__(self, kernels: str | None = None, *, threads: int | None = None, home: str | None = None,
                 engine: Any = None) -> None:
        from ..engine import Synthesizer

        self._owned = engine is None
        self.engine: Any = engine if engine is not None else Synthesizer(home=home, kernels=kernels,
                                                                          threads=threads)
        self.name = f"local:{self.engine.kernels}"

    def environment(self) -> dict[str, Any]:
        return local_environment(self.engine)

    def render(self, item: SuiteItem) -> Rendering:
        from ..errors import ShengqingError

        start = time.perf_counter()
        try:
            audio = self.engine.synthesize(item.text, ssml=item.ssml, **item.options())
            encoded = audio.encode(item.format)
        except ShengqingError as exc:
            raise TargetError(f"engine refused the request: {exc}") from None
        headers = {"x-shengqing-kernels": str(self.engine.kernels),
                   "x-model-fingerprint": str(self.engine.model.fingerprint)}
        return Rendering(pcm=audio.pcm_bytes(), encoded=encoded, seconds=time.perf_counter() - start,
                         headers=headers)

    def close(self) -> None:
        if self._owned:
            self.engine.close()


class HttpTarget:
    """A live server: ``POST /tts`` for audio, ``GET /v1/info`` for the environment fingerprint."""

    def __init__(self, url: str, *, timeout: float = 120.0, api_key: str | None = None) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.name = self.url
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), headers=headers,
                                    trust_env=False)

    def environment(self) -> dict[str, Any]:
        import httpx

        try:
            response = self._client.get(f"{self.url}/v1/info")
        except httpx.HTTPError as exc:
            return {"error": _network_reason(exc)}
        if response.status_code != 200:
            return {"error": f"GET /v1/info answered HTTP {response.status_code}"}
        try:
            data = response.json()
        except ValueError:
            return {"error": "GET /v1/info did not return JSON"}
        return data if isinstance(data, dict) else {"error": "GET /v1/info did not return a JSON object"}

    def _post(self, item: SuiteItem, fmt: str) -> tuple[bytes, dict[str, str]]:
        import httpx

        body = {"text": item.text, "emotion": item.emotion, "speed": item.speed, "intensity": item.intensity,
                "pitch": item.pitch, "volume": item.volume, "format": fmt, "ssml": item.ssml}
        try:
            response = self._client.post(f"{self.url}/tts", json=body)
        except httpx.HTTPError as exc:
            raise TargetError(_network_reason(exc)) from None
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200:
            raise TargetError(f"HTTP {response.status_code}: {_error_text(response.text)}")
        if not content_type.startswith("audio/"):
            raise TargetError(f"not audio: content-type {content_type or 'missing'!r}, "
                              f"{len(response.content)} bytes starting {response.content[:40]!r}")
        headers = {name: response.headers[name] for name in HEADERS if name in response.headers}
        return response.content, headers

    def render(self, item: SuiteItem) -> Rendering:
        start = time.perf_counter()
        encoded, headers = self._post(item, item.format)
        if item.format in LOSSLESS:
            try:
                samples = decode(encoded, item.format)
            except Exception as exc:  # soundfile raises several types for garbage input
                raise TargetError(f"the {item.format} body does not decode: {exc}") from None
            pcm = samples.astype("<i2").tobytes()
        else:
            pcm, pcm_headers = self._post(item, "pcm")
            for name, value in pcm_headers.items():
                if headers.get(name, value) != value and name != "x-cache":
                    headers[name] = f"{headers[name]} / {value}"  # two workers answered differently
        if len(pcm) % 2:
            raise TargetError(f"PCM body has an odd length ({len(pcm)} bytes)")
        return Rendering(pcm=pcm, encoded=encoded, seconds=time.perf_counter() - start, headers=headers)

    def close(self) -> None:
        self._client.close()


def _network_reason(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {exc}"
    return f"network error: {type(exc).__name__}: {exc}"


def _error_text(text: str) -> str:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:160] or "(empty body)"
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict) and "message" in err:
            return str(err["message"])[:160]
        if "detail" in data:
            return str(data["detail"])[:160]
    return text[:160]


def open_target(spec: str, *, threads: int | None = None, home: str | None = None,
                timeout: float = 120.0, api_key: str | None = None) -> Target:
    """``local``, ``local:portable|fast|reference`` or a server URL (``http://`` is added if missing)."""
    from ..errors import InvalidOptionError

    if spec == "local" or spec.startswith("local:"):
        kernels = spec.partition(":")[2] or None
        if kernels not in (None, "portable", "fast", "reference"):
            raise InvalidOptionError(f"unknown target {spec!r}", field="target",
                                     hint="use local, local:portable, local:fast, local:reference or a URL")
        return LocalTarget(kernels, threads=threads, home=home)
    url = spec if "://" in spec else f"http://{spec}"
    if not url.startswith(("http://", "https://")):
        raise InvalidOptionError(f"unsupported target URL {spec!r}", field="target", hint="use http:// or https://")
    return HttpTarget(url, timeout=timeout, api_key=api_key)
