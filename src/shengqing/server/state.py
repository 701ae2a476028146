"""The per-process server state: settings, metrics, cache, admission, keys, and the engine's life.

The model loads and warms up in the background (:meth:`ServerState.load`): ``/healthz`` answers at once,
``/readyz`` turns 200 once the engine is warm, and synthesis requests that arrive earlier wait for the model
(within their timeout) instead of failing. The model watchdog reloads it when its files change.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import platform
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._opus import prepare as prepare_opus
from .._version import __version__
from ..errors import EncoderUnavailableError, ModelError, NotReproducibleError, OverloadedError, ShengqingError
from .auth import KeyChecker
from .cache import Cache, make_cache
from .limits import Admission
from .metrics import Metrics
from .settings import Settings
from .streaming import Engine

log = logging.getLogger("shengqing.server")

STATIC_DIR = Path(__file__).resolve().parent / "static"
EngineFactory = Callable[[Settings], Engine]


class NotReadyError(OverloadedError):
    """The model is still loading or warming up."""

    code = "not_ready"


def default_engine(settings: Settings) -> Engine:
    """The real :class:`~shengqing.engine.Synthesizer` (installs the model on first use).

    It runs private, sealed in-memory copies of the verified model files, so files truncated or overwritten
    under the running server can neither crash it (SIGBUS) nor change its audio; the model watchdog
    notices the change and reloads.
    """
    from ..engine import Synthesizer
    from ..models.store import ModelStore

    store = ModelStore(Path(settings.home) if settings.home else None)
    model = replace(store.ensure(), private_copies=True)
    engine: Engine = Synthesizer(model=model, kernels=settings.kernels, threads=settings.threads)
    return engine


class ServerState:
    """Everything one server process shares between requests."""

    def __init__(self, settings: Settings, engine_factory: EngineFactory) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.cache: Cache = make_cache(settings.cache_url, max_bytes=settings.cache_bytes,
                                       ttl=settings.cache_ttl)
        self.admission = Admission(settings.concurrency, settings.queue, self.metrics)
        self.executor = ThreadPoolExecutor(max_workers=settings.concurrency,
                                           thread_name_prefix="shengqing-req")
        self.keys = KeyChecker(settings.api_keys)
        self.engine: Engine | None = None
        self.engine_error: ShengqingError | None = None
        self.loaded = asyncio.Event()
        self.ready = False
        self.kernels = "unknown"
        self.fingerprint = "unknown"
        self.model_problem: ShengqingError | None = None  # files on disk changed and fail verification
        self.self_check: dict[str, Any] = {"status": "off" if settings.self_check == "off" else "pending"}
        self._factory = engine_factory
        self._info: dict[str, Any] | None = None

    async def load(self) -> None:
        """Load (or reload) the model, then warm it up.

        Failures are kept and reported by ``/readyz`` and requests. A reload that fails while an engine
        runs keeps that engine serving (it runs a verified in-memory copy) and only turns ``/readyz`` 503.
        """
        loop = asyncio.get_running_loop()
        old = self.engine
        started, age = time.monotonic(), process_age()
        try:
            engine = await _in_thread(loop, lambda: self._factory(self.settings))
            loaded = time.monotonic()
            if self.engine is None:  # first load: requests waiting for the model may use it while it warms
                self._use(engine)
                self.loaded.set()
            if self.settings.warm_up:
                await _in_thread(loop, lambda: _warm(engine))
            warm = time.monotonic()
            if self.settings.self_check != "off":  # before readiness: no request competes with it
                await self._check_reproducible(loop, engine)
            self._use(engine)
            self.ready = True
            self.metrics.ready.set(1)
            log.info("shengqing %s ready: model %s, %s kernels (process start → app %s, model load %.2f s, "
                     "warm-up %.2f s, self-check %.2f s)", __version__, self.fingerprint[:12], self.kernels,
                     "?" if age is None else f"{age:.2f} s", loaded - started, warm - loaded,
                     time.monotonic() - warm)
        except ShengqingError as exc:
            self._failed(exc)
            log.error("cannot start the engine: %s", exc)
        except Exception as exc:  # keep serving health checks and say why synthesis is unavailable
            self._failed(ModelError(f"the engine failed to start: {type(exc).__name__}: {exc}"))
            log.exception("cannot start the engine")
        finally:
            self.loaded.set()
        if old is not None and self.engine is not old:  # requests may still hold it: close it later
            loop.call_later(self.settings.timeout + 5, lambda: _close_later(old))

    async def _check_reproducible(self, loop: asyncio.AbstractEventLoop, engine: Engine) -> None:
        """Run the self-check (:mod:`shengqing.verify.selfcheck`) and publish its outcome; with
        ``self_check=require`` a machine that renders other bytes (or cannot render) raises
        :class:`NotReproducibleError`."""
        from ..verify.selfcheck import IDENTICAL, SKIPPED, run_self_check

        self.self_check = {"status": "running"}
        try:
            result = (await _in_thread(loop, lambda: run_self_check(engine))).to_dict()
        except Exception as exc:
            result = {"status": "error", "reason": f"the check could not run: {type(exc).__name__}: {exc}"}
        self.self_check = result
        self.metrics.set_self_check(result["status"])
        if result["status"] in (IDENTICAL, SKIPPED):
            log.info("self-check %s: %s", result["status"], result["reason"])
            return
        log.warning("self-check %s: %s", result["status"], result["reason"])
        if self.settings.self_check == "require":
            raise NotReproducibleError(f"self-check {result['status']}: {result['reason']}",
                                       hint="serve with SHENGQING_SELF_CHECK=warn to accept it, and compare this "
                                            "machine with `shengqing verify check golden/default-portable.json "
                                            "--target local`")

    def _use(self, engine: Engine) -> None:
        self.engine, self.engine_error, self.model_problem = engine, None, None
        self.kernels = str(engine.kernels)
        self.fingerprint = str(engine.model.fingerprint)
        self._info = None

    def _failed(self, exc: ShengqingError) -> None:
        """A load or a verification failed: not ready; the running engine (if any) keeps serving."""
        self.ready = False
        self.metrics.ready.set(0)
        if self.engine is None or isinstance(exc, NotReproducibleError):  # the latter refuses requests too
            self.engine_error = exc
        else:
            self.model_problem = exc

    def files_changed(self) -> None:
        """The model files changed on disk: not ready until they are verified and reloaded."""
        self.ready = False
        self.metrics.ready.set(0)

    async def get_engine(self, timeout: float) -> Engine:
        """The loaded engine, waiting for it at most ``timeout`` seconds."""
        if self.engine is None and self.engine_error is None:
            try:
                await asyncio.wait_for(self.loaded.wait(), timeout)
            except TimeoutError:
                raise NotReadyError("the model is still loading", retry_after=2) from None
        if self.engine_error is not None:
            raise self._public(self.engine_error)
        assert self.engine is not None
        return self.engine

    def check_ready(self) -> None:
        problem = self.engine_error or self.model_problem
        if problem is not None:
            raise self._public(problem)
        if not self.ready:
            raise NotReadyError("the model is loading, warming up or being verified again", retry_after=1)

    def _public(self, exc: ShengqingError) -> ShengqingError:
        """``exc`` without the model directory's absolute path (unauthenticated clients see it)."""
        home = str(self.model_dir)
        if home not in exc.message:
            return exc
        public = copy.copy(exc)
        public.message = exc.message.replace(home + "/", "").replace(home, "the model directory")
        public.args = (public.message,)
        return public

    @property
    def model_dir(self) -> Path:
        from ..models.store import ModelStore

        return ModelStore(Path(self.settings.home) if self.settings.home else None).model_dir()

    def info(self) -> dict[str, Any]:
        """The environment fingerprint (computed once)."""
        if self._info is None:
            from ..runtime import cpu_description, runtime_versions

            assert self.engine is not None
            engine_info = self.engine.info()
            self._info = {
                "name": "shengqing", "version": __version__, "kernels": self.kernels,
                "model": {"name": engine_info.get("model"), "fingerprint": self.fingerprint,
                          "sha256": engine_info.get("files", {})},
                "engine": engine_info, "runtime": runtime_versions(), "cpu": cpu_description(),
                "python": {"version": platform.python_version(),
                           "implementation": platform.python_implementation()},
                "platform": {"system": platform.system(), "release": platform.release(),
                             "machine": platform.machine()},
                "server": self.settings.public(),
            }
        return {**self._info, "ready": self.ready, "cache": self.cache.kind, "self_check": self.self_check}

    async def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.cache.close()
        if self.engine is not None:
            engine = self.engine
            await _in_thread(asyncio.get_running_loop(), engine.close)


def process_age() -> float | None:
    """Seconds since this process started (Linux; None elsewhere): how long imports and set-up took."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def _close_later(engine: Engine) -> None:
    threading.Thread(target=engine.close, name="shengqing-close", daemon=True).start()


def _warm(engine: Engine) -> None:
    """Warm every worker's interpreters, then the frontend (its dictionaries load lazily on first use).

    The frontend is warmed by analysing a sentence, not by synthesizing it: the interpreters are warm
    already, and a restarted worker is ready sooner.
    """
    engine.warm_up()
    try:  # compile the opus module now, not on the first opus request (~0.15 s); other formats work without it
        prepare_opus()
    except EncoderUnavailableError as exc:
        log.warning("opus will be unavailable: %s", exc)
    phonemize = getattr(engine, "phonemize", None)
    if phonemize is not None:
        phonemize("你好，欢迎使用。")
    else:
        for _ in engine.stream("你好，欢迎使用。"):
            pass


async def _in_thread(loop: asyncio.AbstractEventLoop, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` on a dedicated daemon thread (model loading must not occupy request workers)."""
    future: asyncio.Future[Any] = loop.create_future()

    def target() -> None:
        try:
            result, error = fn(), None
        except BaseException as exc:
            result, error = None, exc
        # the loop may have closed while this ran (the app shut down): then nobody awaits the result
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, future, result, error)

    threading.Thread(target=target, name="shengqing-load", daemon=True).start()
    return await future


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
