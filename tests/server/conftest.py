"""Real ``shengqing serve`` subprocesses on loopback (random free ports), shared per session."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared_helpers import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
SEED = (
    "你好，欢迎使用语音合成服务。",
    "今天的阳光真灿烂，心情特别愉快！",
    "我一个人走在雨夜里，感觉有点孤单。",
)


class Server(ServerProcess):
    """The server tests' default server process: 2 inference threads, no inherited ``SHENGQING_*`` settings,
    its log in ``tmp/<name>.log``."""

    def __init__(
        self, tmp: Path, name: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.log = tmp / f"{name}.log"
        super().__init__(*args, env={"SHENGQING_THREADS": "2", **(env or {})}, log=self.log, clean_env=True)

    def wait_ready(self, timeout: float = 120.0) -> Server:  # type: ignore[override]
        super().wait_ready(timeout)
        return self

    def stop(self) -> None:
        self.close()


@pytest.fixture(scope="session")
def server_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def server(server_tmp: Path, installed_model: object) -> Iterator[Server]:
    """The default server: no auth, in-memory cache, CORS for one origin."""
    proc = Server(
        server_tmp, "main", {"SHENGQING_CORS_ORIGINS": "http://example.test", "SHENGQING_MAX_CHARS": "300"}
    )
    try:
        yield proc.wait_ready()
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="session")
def limited(server_tmp: Path, installed_model: object) -> Iterator[Server]:
    """Tiny limits and API keys: one slot, no queue, 1.5 s timeout, 1 s for request headers, no cache."""
    keys = server_tmp / "keys.txt"
    keys.write_text("# comment\nfile-key\n", encoding="utf-8")
    proc = Server(
        server_tmp,
        "limited",
        {
            "SHENGQING_API_KEYS": "env-key",
            "SHENGQING_API_KEYS_FILE": str(keys),
            "SHENGQING_CONCURRENCY": "1",
            "SHENGQING_QUEUE": "0",
            "SHENGQING_TIMEOUT": "1.5",
            "SHENGQING_CACHE_URL": "off",
            "SHENGQING_MAX_BODY": "4096",
            "SHENGQING_HEADER_TIMEOUT": "1",
        },
    )
    try:
        yield proc.wait_ready()
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def redis_url(server_tmp: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(server_tmp),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis(port=port) as probe:
                    probe.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
