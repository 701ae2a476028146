"""Worker processes of a multi-worker server, forked from a preloaded fork server.

uvicorn starts every worker — and every replacement of a worker that died — with multiprocessing's
``spawn``: a fresh interpreter that imports FastAPI, NumPy, LiteRT and shengqing and loads the frontend's
dictionaries again, about 1 s of CPU (several seconds on a loaded machine) before the model even starts
loading. With the ``forkserver`` start method this is done once, in a small single-threaded server process
started with the first worker, and each worker is forked from it, so a replacement begins with everything
imported and the dictionaries in memory (shared copy-on-write). The model itself is still loaded in each
worker after the fork: interpreters and their threads do not survive a fork.
"""

from __future__ import annotations

import multiprocessing

#: imported once in the fork server; the last one also loads the frontend's dictionaries
PRELOAD = ("shengqing.server.app", "shengqing.server.slowloris", "shengqing.engine", "uvicorn.server",
           "uvicorn.lifespan.on", "uvicorn.protocols.http.h11_impl", "uvicorn.loops.asyncio",
           "shengqing.server._preload")


def use_forkserver() -> None:
    """Make uvicorn start its workers from a fork server that has :data:`PRELOAD` imported."""
    from uvicorn import _subprocess

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    _subprocess.spawn = context  # type: ignore[assignment]  # same Process API as the spawn context
