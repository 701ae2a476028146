"""Helpers of the consistency tests: stand-in HTTP servers around the real engine, real server processes."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from shared_helpers import ServerProcess, free_port
from shengqing.verify.targets import local_environment

__all__ = ["GOLDEN", "GOLDEN_REFERENCE", "ServerProcess", "StandIn", "free_port", "server_available"]

REPO = Path(__file__).resolve().parents[2]
#: rendered in the default (portable) mode: the bytes every platform must give
GOLDEN = REPO / "golden" / "default-portable.json"
#: rendered with LiteRT's reference kernels: the audit mode's bytes
GOLDEN_REFERENCE = REPO / "golden" / "default-reference.json"


class StandIn:
    """A tiny threading HTTP server speaking the parts of the shengqing API that ``verify`` uses.

    ``mode``: ``ok`` (real engine audio), ``html`` (200 with a web page), ``slow`` (answers after
    ``delay`` seconds), ``error`` (HTTP 500 JSON). ``audio_change`` alters the request before synthesis
    (simulates a different model); ``env_change`` alters the reported environment.
    """

    def __init__(self, engine: Any, *, mode: str = "ok", delay: float = 0.0,
                 audio_change: dict[str, Any] | None = None, env_change: Callable[[dict[str, Any]], None] | None = None
                 ) -> None:
        self.engine = engine
        self.mode = mode
        self.delay = delay
        self.audio_change = audio_change or {}
        self.environment = local_environment(engine)
        if env_change is not None:
            env_change(self.environment)
        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = False
        self.server.block_on_close = True  # server_close() waits for the handler threads
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/v1/info":
                    self._send(200, json.dumps(stand_in.environment).encode(), "application/json")
                else:
                    self._send(404, b'{"error": {"message": "not found"}}', "application/json")

            def do_POST(self) -> None:
                stand_in.requests += 1
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                if stand_in.mode == "slow":  # the client has given up by then: answer without the engine
                    time.sleep(stand_in.delay)
                    self._send(200, b"\0\0" * 100, "audio/L16;rate=24000;channels=1")
                    return
                if stand_in.mode == "html":
                    self._send(200, b"<html><body>proxy login</body></html>", "text/html")
                    return
                if stand_in.mode == "error" or self.path != "/tts":
                    self._send(500, b'{"error": {"code": "internal_error", "message": "boom"}}', "application/json")
                    return
                options = {k: body[k] for k in ("emotion", "speed", "intensity", "pitch", "volume")}
                options.update(stand_in.audio_change)
                audio = stand_in.engine.synthesize(body["text"], ssml=body.get("ssml"), **options)
                fmt = body.get("format", "wav")
                headers = {"X-Shengqing-Kernels": str(stand_in.engine.kernels),
                           "X-Model-Fingerprint": stand_in.environment["model"]["fingerprint"]}
                content_type = "audio/L16;rate=24000;channels=1" if fmt == "pcm" else f"audio/{fmt}"
                self._send(200, audio.encode(fmt), content_type, headers)

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def server_available() -> bool:
    return (importlib.util.find_spec("shengqing.server.app") is not None
            and importlib.util.find_spec("shengqing.cli._serve") is not None
            and importlib.util.find_spec("uvicorn") is not None)


