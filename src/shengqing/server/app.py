"""The FastAPI application factory and the per-process server state.

``create_app(settings)`` builds an app whose lifespan loads the model and warms it up in the background:
``/healthz`` answers at once, ``/readyz`` turns 200 once the engine is warm, and synthesis requests that
arrive earlier wait for the model (within their timeout) instead of failing.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import platform
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from .._version import __version__
from ..errors import ModelError, OverloadedError, ShengqingError
from . import slowloris
from .auth import KeyChecker
from .cache import Cache, make_cache
from .errors import install_handlers
from .lifecycle import EndingMiddleware
from .limits import Admission
from .metrics import Metrics, MetricsMiddleware
from .settings import Settings
from .streaming import Engine
from .watchdog import ModelWatchdog

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
        self._factory = engine_factory
        self._info: dict[str, Any] | None = None

    async def load(self) -> None:
        """Load (or reload) the model, then warm it up.

        Failures are kept and reported by ``/readyz`` and requests. A reload that fails while an engine
        runs keeps that engine serving (it runs a verified in-memory copy) and only turns ``/readyz`` 503.
        """
        loop = asyncio.get_running_loop()
        old = self.engine
        try:
            engine = await _in_thread(loop, lambda: self._factory(self.settings))
            if self.engine is None:  # first load: requests waiting for the model may use it while it warms
                self._use(engine)
                self.loaded.set()
            if self.settings.warm_up:
                await _in_thread(loop, lambda: _warm(engine))
            self._use(engine)
            self.ready = True
            self.metrics.ready.set(1)
            log.info("shengqing %s ready: model %s, %s kernels", __version__, self.fingerprint[:12],
                     self.kernels)
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

    def _use(self, engine: Engine) -> None:
        self.engine, self.engine_error, self.model_problem = engine, None, None
        self.kernels = str(engine.kernels)
        self.fingerprint = str(engine.model.fingerprint)
        self._info = None

    def _failed(self, exc: ShengqingError) -> None:
        """A load or a verification failed: not ready; the running engine (if any) keeps serving."""
        self.ready = False
        self.metrics.ready.set(0)
        if self.engine is None:
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
        return {**self._info, "ready": self.ready, "cache": self.cache.kind}

    async def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.cache.close()
        if self.engine is not None:
            engine = self.engine
            await _in_thread(asyncio.get_running_loop(), engine.close)


def _close_later(engine: Engine) -> None:
    threading.Thread(target=engine.close, name="shengqing-close", daemon=True).start()


def _warm(engine: Engine) -> None:
    """Warm the interpreters, then the frontend (its dictionaries load lazily on first use)."""
    engine.warm_up()
    for _ in engine.stream("你好，欢迎使用。"):
        pass


async def _in_thread(loop: asyncio.AbstractEventLoop, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` on a dedicated daemon thread (model loading must not occupy request workers)."""
    future: asyncio.Future[Any] = loop.create_future()

    def target() -> None:
        try:
            result = fn()
        except BaseException as exc:
            loop.call_soon_threadsafe(_settle, future, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, future, result, None)

    threading.Thread(target=target, name="shengqing-load", daemon=True).start()
    return await future


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


def create_app(settings: Settings | None = None, *, engine_factory: EngineFactory | None = None) -> FastAPI:
    """Build the shengqing HTTP service (settings default to ``Settings.from_env()``)."""
    from .routes import build_router

    settings = settings or Settings.from_env()
    slowloris.configure(settings.header_timeout)
    state = ServerState(settings, engine_factory or default_engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loader = asyncio.create_task(state.load())
        watchdog = (asyncio.create_task(ModelWatchdog(state, state.model_dir, settings.model_watch).run())
                    if settings.model_watch > 0 else None)
        try:
            yield
        finally:
            loader.cancel()
            if watchdog is not None:
                watchdog.cancel()
            await state.close()

    app = FastAPI(title="shengqing 声情", version=__version__, lifespan=lifespan, docs_url=None,
                  description="Offline Chinese multi-emotion text-to-speech. Seed API `/tts`, "
                              "OpenAI-compatible `/v1/audio/speech`, WebUI at `/`.")
    app.state.shengqing = state
    _declare_security(app)
    _mount_offline_docs(app)
    install_handlers(app)
    app.include_router(build_router(state))
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(EndingMiddleware)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["*"],
                           allow_headers=["*"], expose_headers=list(EXPOSED_HEADERS))
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return app


def _declare_security(app: FastAPI) -> None:
    """Add the bearer scheme to the generated OpenAPI document (the operations refer to it)."""
    from .routes import SECURITY_SCHEMES

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _mount_offline_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the ``swagger-ui-bundle`` package: no CDN, works offline."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="shengqing 声情 — API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


EXPOSED_HEADERS = ("X-Audio-Duration", "X-Audio-Sample-Rate", "X-Shengqing-Kernels", "X-Model-Fingerprint",
                   "X-Synthesis-Seconds", "X-RTF", "X-Cache", "X-First-Chunk-Seconds", "X-Shengqing-Version",
                   "X-Shengqing-Speed", "Server-Timing", "ETag", "Retry-After", "Content-Disposition")


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and worker processes: settings from ``SHENGQING_*`` variables."""
    return create_app(Settings.from_env())
