"""shengqing's HTTP service: seed-compatible ``/tts``, OpenAI-compatible ``/v1/audio/speech`` and a WebUI.

Start it with ``shengqing serve`` or build the app yourself::

    from shengqing.server import Settings, create_app
    app = create_app(Settings.from_env(port=8080))
"""

from __future__ import annotations

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
