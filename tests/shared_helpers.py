"""Helpers shared by test modules (imported by name: a conftest.py cannot be imported reliably)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import IO

import httpx

REPO = Path(__file__).resolve().parents[1]

SEED_SENTENCES = (
    "你好，欢迎使用语音合成服务。",
    "今天的阳光真灿烂，心情特别愉快！",
    "我一个人走在雨夜里，感觉有点孤单。",
)


def data_file(relative: str) -> Path:
    """A shared data file: ``../shared/data`` beside the repository when present, else the copy in tests/data."""
    for base in (Path(__file__).resolve().parents[2] / "shared" / "data", Path(__file__).resolve().parent / "data"):
        if (base / relative).exists():
            return base / relative
    raise FileNotFoundError(relative)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def standard_texts() -> list[str]:
    lines = data_file("texts/standard.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``python -m shengqing.cli serve`` on a free loopback port, as a real subprocess; terminated on close.

    ``clean_env`` drops the caller's ``SHENGQING_*`` settings (except the model home) so a test states every
    setting it relies on. Output goes to ``log`` (a temporary file when not given): a file, not a pipe, so a
    chatty server can never block on it.
    """

    def __init__(self, *args: str, env: dict[str, str] | None = None, log: Path | None = None,
                 clean_env: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = dict(os.environ)
        if clean_env:
            base = {k: v for k, v in base.items() if not k.startswith("SHENGQING_") or k == "SHENGQING_HOME"}
        self._log: IO[bytes] = log.open("w+b") if log is not None else tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shengqing.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning", *args],
            stdout=self._log, stderr=subprocess.STDOUT, env={**base, **(env or {})}, cwd=REPO)

    def log_text(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def output(self) -> str:
        """The end of the server's output, for error messages."""
        return self.log_text()[-2000:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2.0, trust_env=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server on {self.url} not ready after {timeout} s: {self.output()}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` imported as module ``name`` (its sibling modules importable too)."""
    import importlib.util

    scripts = str(REPO / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
