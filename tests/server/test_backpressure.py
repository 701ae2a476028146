"""Backpressure, budgets, cancellation and broken streams, on the real app around a fake engine (fast).

The fake engine produces audio as fast as it is asked, so whatever it produced beyond what the client took
is what the server would be holding in memory.
"""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from shengqing.server.streaming import AHEAD

from .fake_engine import FakeEngine, InProcessServer


def gauge(url: str, name: str) -> float:
    text = httpx.get(url + "/metrics", timeout=5).text
    return float(next(line for line in text.splitlines() if line.startswith(name + " ")).split()[1])


def wait_until(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def raw_request(port: int, body: bytes) -> socket.socket:
    """A client that sends a request and then reads only what the test tells it to (tiny receive buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"POST /tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body) + body)
    return sock


def test_a_client_that_stops_reading_stops_its_synthesis() -> None:
    # 200 phrases of 20 s (1 MB each as PCM): without backpressure all of it ends up in the server's memory
    engine = FakeEngine(phrases=200, chunk_seconds=20.0)
    with InProcessServer(engine, timeout=2.0) as server:
        sock = raw_request(server.port, b'{"text": "\\u597d", "format": "pcm", "stream": true}')
        try:
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            time.sleep(1.5)  # the client reads nothing more
            ahead = engine.produced
            # what the kernel's socket buffers hold on loopback, plus the queue and the chunk being sent
            assert ahead <= AHEAD + 8, f"synthesis ran {ahead} phrases ahead of a client that stopped reading"
            # after `timeout` seconds without reading, the synthesis gives up and frees its slot
            assert wait_until(lambda: gauge(server.url, "shengqing_in_flight") == 0, 5)
            assert engine.produced == ahead
        finally:
            sock.close()


def test_a_stream_broken_after_its_first_bytes_is_visibly_truncated() -> None:
    engine = FakeEngine(phrases=10, chunk_seconds=0.5, fail_after=3)
    with InProcessServer(engine) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        with client.stream("POST", "/tts", json={"text": "好", "format": "pcm", "stream": True}) as r:
            assert r.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):  # no final chunk: not a clean end
                for _ in r.iter_bytes():
                    pass
        assert gauge(server.url, "shengqing_stream_errors_total") == 1


def test_audio_over_the_budget_is_refused() -> None:
    engine = FakeEngine(phrases=10, chunk_seconds=1.0)
    with InProcessServer(engine, max_audio_seconds=5, max_audio_seconds_stream=5) as server:
        r = httpx.post(server.url + "/tts", json={"text": "好", "format": "pcm"}, timeout=10)
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "over_budget" and r.json()["error"]["field"] == "text"
        # a stream stops at its budget too (after its first bytes: a truncated transfer)
        with httpx.stream("POST", server.url + "/tts", json={"text": "好", "format": "pcm", "stream": True},
                          timeout=10) as s:
            received = 0
            with pytest.raises(httpx.RemoteProtocolError):
                for part in s.iter_bytes():
                    received += len(part)
            assert received <= 5 * 48_000


def test_clients_that_give_up_free_their_slot_and_drop_queued_work() -> None:
    engine = FakeEngine(phrases=50, chunk_seconds=0.1, phrase_delay=0.2)  # 10 s per request
    with InProcessServer(engine, concurrency=1, queue=4, timeout=30) as server:
        body = b'{"text": "\\u597d", "format": "pcm"}'
        clients = [raw_request(server.port, body) for _ in range(4)]
        try:
            assert wait_until(lambda: gauge(server.url, "shengqing_queue_depth") == 3, 5)
        finally:
            for client in clients:  # all four give up at once: one synthesizing, three waiting
                client.close()
        # the running request stops after its current phrase; the queued ones never start
        assert wait_until(lambda: gauge(server.url, "shengqing_in_flight") == 0, 1.5)
        assert gauge(server.url, "shengqing_queue_depth") == 0
        assert engine.started == 1 and engine.produced < 10
        engine.phrase_delay = 0
        r = httpx.post(server.url + "/tts", json={"text": "好", "format": "pcm"}, timeout=30)
        assert r.status_code == 200


def test_a_request_that_waited_out_its_time_for_a_slot_gets_503_not_504() -> None:
    engine = FakeEngine(phrases=20, chunk_seconds=0.1, phrase_delay=0.1)  # 2 s per request
    with InProcessServer(engine, concurrency=1, queue=1, timeout=2.5) as server:
        holder = threading.Thread(
            target=lambda: httpx.post(server.url + "/tts", json={"text": "好", "format": "pcm"}, timeout=30))
        holder.start()
        assert wait_until(lambda: gauge(server.url, "shengqing_in_flight") == 1, 5)
        late = httpx.post(server.url + "/tts", json={"text": "好", "format": "pcm"}, timeout=30)
        holder.join()
        assert late.status_code == 503, late.text  # the server was busy; synthesis itself did not time out
        assert late.json()["error"]["code"] == "overloaded" and int(late.headers["retry-after"]) >= 1
