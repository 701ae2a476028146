"""Auth, overload, timeouts and body limits on a server with tiny limits (1 slot, no queue, 1.5 s)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from .conftest import Server

KEY = {"Authorization": "Bearer env-key"}
LONG = "这句话会被重复很多次，用来占用唯一的合成槽位。" * 30


@pytest.fixture(scope="module")
def lim(limited: Server) -> httpx.Client:
    with httpx.Client(base_url=limited.url, timeout=30) as c:
        yield c


def in_flight(c: httpx.Client) -> float:
    metrics = c.get("/metrics").text
    return float(next(x for x in metrics.splitlines() if x.startswith("shengqing_in_flight ")).split()[1])


def drain(chunks: Iterator[bytes]) -> None:
    with contextlib.suppress(httpx.HTTPError, RuntimeError):  # the test closes the stream under it
        for _ in chunks:
            pass


def wait_idle(c: httpx.Client, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if in_flight(c) == 0:
            return
        time.sleep(0.1)
    raise AssertionError("the slot was never released")


def test_auth_required_on_synthesis_and_info(lim: httpx.Client) -> None:
    r = lim.post("/tts", json={"text": "你好"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert (
        lim.post("/tts", json={"text": "你好"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    assert (
        lim.post("/tts", json={"text": "你好"}, headers={"Authorization": "Basic env-key"}).status_code == 401
    )
    assert lim.get("/v1/info").status_code == 401
    assert lim.post("/v1/audio/speech", json={"input": "你好"}).status_code == 401
    for key in ("env-key", "file-key"):
        r = lim.post(
            "/tts", json={"text": "你好。", "format": "pcm"}, headers={"Authorization": f"Bearer {key}"}
        )
        assert r.status_code == 200, r.text
    assert lim.get("/v1/info", headers=KEY).status_code == 200
    assert lim.get("/tts", params={"text": "你好"}).status_code == 401  # GET /tts needs the key too
    assert lim.post("/tts", data={"text": "你好"}).status_code == 401


def test_open_endpoints_need_no_key(lim: httpx.Client) -> None:
    for path in (
        "/healthz",
        "/readyz",
        "/metrics",
        "/",
        "/static/style.css",
        "/v1/voices",
        "/v1/emotions",
        "/v1/models",
        "/v1/models/tts-1",
        "/v1/audio/voices",
        "/docs",
        "/redoc",
        "/docs-assets/redoc.standalone.js",
        "/openapi.json",
    ):
        assert lim.get(path).status_code == 200, path
    assert lim.get("/v1/ui-config").json()["auth_required"] is True


def test_keys_are_never_shown(lim: httpx.Client) -> None:
    info = lim.get("/v1/info", headers=KEY).text
    assert "env-key" not in info and "file-key" not in info


def test_body_too_large_is_413(lim: httpx.Client) -> None:
    r = lim.post("/tts", json={"text": "好" * 3000}, headers=KEY)
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


def test_timeout_is_504_and_releases_the_slot(lim: httpx.Client) -> None:
    start = time.monotonic()
    r = lim.post("/tts", json={"text": LONG[:600], "format": "pcm"}, headers=KEY)
    assert r.status_code == 504, r.text
    assert r.json()["error"]["code"] == "timeout"
    assert time.monotonic() - start < 5
    wait_idle(lim)


def test_overload_is_503_with_retry_after_not_a_hang(lim: httpx.Client, limited: Server) -> None:
    wait_idle(lim)
    with (
        httpx.Client(base_url=limited.url, timeout=30) as holder,
        holder.stream("POST", "/tts", json={"text": LONG, "stream": True, "format": "pcm"}, headers=KEY) as r,
    ):
        assert r.status_code == 200
        # the holder keeps reading on a thread (its connection stays open and its synthesis keeps its slot:
        # a client that stops reading is dropped after the timeout, a dropped iterator closes the stream)
        chunks = r.iter_bytes()
        next(chunks)
        reader = threading.Thread(target=drain, args=(chunks,), daemon=True)
        reader.start()
        assert in_flight(lim) == 1
        start = time.monotonic()
        busy = lim.post("/tts", json={"text": "你好。"}, headers=KEY)
        assert time.monotonic() - start < 1.0
        assert busy.status_code == 503, busy.text
        assert int(busy.headers["retry-after"]) >= 1
        assert busy.json()["error"]["code"] == "overloaded"
        also = lim.post("/v1/audio/speech", json={"input": "你好。"}, headers=KEY)
        assert also.status_code == 503
        assert in_flight(lim) == 1 and reader.is_alive()  # the holder really held the slot throughout
    wait_idle(lim)
    assert lim.post("/tts", json={"text": "又可以了。", "format": "pcm"}, headers=KEY).status_code == 200
    metrics = lim.get("/metrics").text
    assert 'shengqing_rejected_requests_total{reason="overloaded"} 2.0' in metrics
    assert limited.alive()


@pytest.mark.parametrize("sent", [b"", b"POST /tts HTTP/1.1\r\nHost: x\r\nContent-Type: appl"])
def test_slow_header_senders_are_disconnected(limited: Server, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", limited.port), timeout=10) as sock:
        sock.sendall(sent)
        start = time.monotonic()
        assert sock.recv(1024) == b""  # closed by the server, no answer
        assert time.monotonic() - start < 5
