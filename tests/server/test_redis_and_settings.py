"""Redis cache shared by two server processes; settings validation; ``shengqing serve`` errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shengqing.errors import ConfigError
from shengqing.server.settings import Settings

from .conftest import ROOT, Server


@pytest.fixture(scope="module")
def two_servers(server_tmp: Path, redis_url: str, installed_model: object) -> Iterator[tuple[Server, Server]]:
    env = {"SHENGQING_CACHE_URL": redis_url}
    a, b = Server(server_tmp, "redis-a", env), Server(server_tmp, "redis-b", env)
    try:
        yield a.wait_ready(), b.wait_ready()
    finally:
        a.stop()
        b.stop()


def test_redis_cache_is_shared_between_processes(two_servers: tuple[Server, Server], redis_url: str) -> None:
    a, b = two_servers
    body = {"text": "两个进程共享同一个缓存。", "format": "flac", "emotion": "happy"}
    first = httpx.post(a.url + "/tts", json=body, timeout=60)
    assert first.status_code == 200 and first.headers["x-cache"] == "miss"
    second = httpx.post(b.url + "/tts", json=body, timeout=60)
    assert second.headers["x-cache"] == "hit"
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["x-audio-duration"] == first.headers["x-audio-duration"]
    assert httpx.get(b.url + "/v1/info", timeout=10).json()["cache"] == "redis"
    import redis

    with redis.Redis.from_url(redis_url) as r:
        assert any(k.startswith(b"shengqing:audio:") for k in r.scan_iter())


def test_settings_defaults_env_and_overrides() -> None:
    s = Settings.from_env(
        {
            "SHENGQING_PORT": "9000",
            "SHENGQING_CACHE_BYTES": "16m",
            "SHENGQING_API_KEYS": "a, b,",
            "SHENGQING_CORS_ORIGINS": "*",
        },
        port=9100,
    )
    assert s.port == 9100 and s.cache_bytes == 16 * 1024 * 1024 and s.api_keys == ("a", "b")
    assert s.cors_origins == ("*",) and s.auth_required
    assert "SHENGQING_API_KEYS" not in s.to_env()  # workers inherit the variable; never copy keys around


def test_keys_from_a_file_are_not_copied_into_the_environment(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("secret-from-file\n", encoding="utf-8")
    s = Settings.from_env({"SHENGQING_API_KEYS_FILE": str(keys)})
    env = s.to_env()
    assert "secret-from-file" not in "".join(env.values())
    assert Settings.from_env(env).api_keys == ("secret-from-file",)  # a worker reads the file itself
    assert "api_keys" not in s.public() and s.public()["auth_required"] is True


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"SHENGQING_PORT": "eighty"}, "SHENGQING_PORT"),
        ({"SHENGQING_PORT": "70000"}, "SHENGQING_PORT"),
        ({"SHENGQING_WORKERS": "0"}, "SHENGQING_WORKERS"),
        ({"SHENGQING_TIMEOUT": "-1"}, "SHENGQING_TIMEOUT"),
        ({"SHENGQING_KERNELS": "turbo"}, "SHENGQING_KERNELS"),
        ({"SHENGQING_CACHE_URL": "memcached://x"}, "SHENGQING_CACHE_URL"),
        ({"SHENGQING_MAX_BODY": "12"}, "SHENGQING_MAX_BODY"),
        ({"SHENGQING_CORS_ORIGINS": "example.com"}, "SHENGQING_CORS_ORIGINS"),
        ({"SHENGQING_API_KEYS_FILE": "/nonexistent/keys"}, "SHENGQING_API_KEYS_FILE"),
        ({"SHENGQING_WARM_UP": "maybe"}, "SHENGQING_WARM_UP"),
        ({"SHENGQING_SHUTDOWN_GRACE": "-1"}, "SHENGQING_SHUTDOWN_GRACE"),
        ({"SHENGQING_MAX_SILENCE_SECONDS": "lots"}, "SHENGQING_MAX_SILENCE_SECONDS"),
        ({"SHENGQING_MAX_AUDIO_SECONDS": "0"}, "SHENGQING_MAX_AUDIO_SECONDS"),
    ],
)
def test_bad_settings_name_the_setting(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert info.value.field == name and name in str(info.value)


def test_serve_refuses_bad_settings_with_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shengqing.cli", "serve", "--port", "99999"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SHENGQING_QUEUE": "many"},
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "SHENGQING_" in done.stderr


def test_serve_help_lists_the_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shengqing.cli", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    for option in ("--host", "--port", "--workers", "--threads", "--kernels", "--cache-url"):
        assert option in done.stdout
