"""The FastAPI application factory: routes, error handlers, middlewares, offline API docs.

``create_app(settings)`` builds an app whose lifespan loads the model in the background (see
:class:`~shengqing.server.state.ServerState`) and runs the model watchdog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from .._version import __version__
from . import slowloris
from .docs_assets import mount_docs
from .errors import install_handlers
from .lifecycle import EndingMiddleware
from .metrics import MetricsMiddleware
from .routes import SECURITY_SCHEMES, build_router
from .settings import Settings
from .state import STATIC_DIR, EngineFactory, ServerState, default_engine
from .watchdog import ModelWatchdog


def create_app(settings: Settings | None = None, *, engine_factory: EngineFactory | None = None) -> FastAPI:
    """Build the shengqing HTTP service (settings default to ``Settings.from_env()``)."""
    settings = settings or Settings.from_env()
    _configure_logging(settings.log_level)
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

    # FastAPI's own /docs and /redoc load their scripts from a CDN; both are served offline by mount_docs
    app = FastAPI(title="shengqing 声情", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Offline Chinese multi-emotion text-to-speech. Seed API `/tts`, "
                              "OpenAI-compatible `/v1/audio/speech`, WebUI at `/`.")
    app.state.shengqing = state
    _declare_security(app)
    mount_docs(app)
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


def _configure_logging(level: str) -> None:
    """Show the server's own log lines (``shengqing.*``) at ``--log-level``, formatted like uvicorn's.

    Without a handler Python shows only warnings and above, so the server's info lines (ready, reload,
    drained, slowloris) were never seen.
    """
    logger = logging.getLogger("shengqing")
    logger.setLevel(logging.DEBUG if level == "trace" else level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)


def _declare_security(app: FastAPI) -> None:
    """Add the bearer scheme to the generated OpenAPI document (the operations refer to it)."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


EXPOSED_HEADERS = ("X-Audio-Duration", "X-Audio-Sample-Rate", "X-Shengqing-Kernels", "X-Model-Fingerprint",
                   "X-Synthesis-Seconds", "X-RTF", "X-Cache", "X-First-Chunk-Seconds", "X-Shengqing-Version",
                   "X-Shengqing-Speed", "X-Shengqing-Instructions", "X-Audio-Format", "Server-Timing", "ETag",
                   "Retry-After", "Content-Disposition")


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and worker processes: settings from ``SHENGQING_*`` variables."""
    return create_app(Settings.from_env())
