"""SIGTERM drains: requests shorter than the grace period finish; the rest get a JSON 503, never a 500."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from .conftest import SEED, Server

# ≈ 550 characters: two at once take longer than uvicorn's old 5 s grace (8 s on a 2-core AMD EPYC with the
# single-precision vocoder; 230 characters took only 3.6 s there)
LONG = "".join(SEED) * 12


def post_in_background(url: str, results: list[httpx.Response | BaseException]) -> threading.Thread:
    def go() -> None:
        try:
            results.append(httpx.post(url + "/tts", json={"text": LONG, "format": "pcm"}, timeout=120))
        except BaseException as exc:
            results.append(exc)

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def test_sigterm_lets_requests_in_flight_finish(server_tmp: Path, installed_model: object) -> None:
    # a generous grace: on a loaded machine the two requests may take longer than the default 30 s
    proc = Server(server_tmp, "drain", {"SHENGQING_CONCURRENCY": "2", "SHENGQING_MAX_CHARS": "5000",
                                        "SHENGQING_CACHE_URL": "off", "SHENGQING_TIMEOUT": "120",
                                        "SHENGQING_SHUTDOWN_GRACE": "120"}).wait_ready()
    try:
        results: list[httpx.Response | BaseException] = []
        start = time.monotonic()
        threads = [post_in_background(proc.url, results) for _ in range(2)]
        time.sleep(1.0)
        proc.process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(120)
        took = time.monotonic() - start
        assert proc.process.wait(60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once drained
    finally:
        proc.stop()
    for result in results:
        assert isinstance(result, httpx.Response), result
        assert result.status_code == 200, result.text[:300]
        assert abs(len(result.content) / 48000 - float(result.headers["x-audio-duration"])) < 0.001  # all of it
    assert took > 5, f"the requests took {took:.1f} s: too short to show a drain longer than the old 5 s"


def test_requests_longer_than_the_grace_get_a_json_503(server_tmp: Path, installed_model: object) -> None:
    proc = Server(server_tmp, "drain-short", {"SHENGQING_MAX_CHARS": "5000", "SHENGQING_CACHE_URL": "off",
                                              "SHENGQING_SHUTDOWN_GRACE": "1"}).wait_ready()
    try:
        results: list[httpx.Response | BaseException] = []
        thread = post_in_background(proc.url, results)
        time.sleep(0.5)
        proc.process.send_signal(signal.SIGTERM)
        thread.join(60)
        assert proc.process.wait(30) in (0, -signal.SIGTERM)
        log = proc.log_text()
    finally:
        proc.stop()
    (result,) = results
    assert isinstance(result, httpx.Response), result
    assert result.status_code == 503 and result.headers["content-type"] == "application/json", result.text
    assert result.json()["error"]["code"] == "shutting_down" and "retry-after" in result.headers
    assert "Traceback" not in log
