"""The server's start-up self-check: reported in ``/v1/info`` and ``/metrics``; ``require`` keeps a machine that
renders other bytes out of service (``/readyz`` and synthesis 503 ``not_reproducible``)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import numpy as np
import pytest

import shengqing.verify.selfcheck as selfcheck
from shengqing.audio import SAMPLE_RATE

from .conftest import Server
from .fake_engine import FakeEngine, InProcessServer

REQUEST = {"text": "你好。", "ssml": False, "emotion": "neutral", "intensity": 1.0, "speed": 1.0, "pitch": 0.0,
           "volume": 1.0, "format": "wav"}


def _fake_reference(monkeypatch: pytest.MonkeyPatch, pcm_sha256: str) -> None:
    table = {"kernels": "portable", "model_name": "fake", "model_fingerprint": "fake-model",
             "items": [{"id": "fake-item", "request": REQUEST, "pcm_sha256": pcm_sha256}]}
    monkeypatch.setattr(selfcheck, "reference", lambda: table)


def _tone_sha256(engine: FakeEngine) -> str:
    tone = (np.sin(np.arange(int(engine.chunk_seconds * SAMPLE_RATE)) * 0.05) * 8000).astype(np.int16)
    return hashlib.sha256(tone.astype("<i2").tobytes() * engine.phrases).hexdigest()


def _portable_fake() -> FakeEngine:
    engine = FakeEngine(phrases=2, chunk_seconds=0.1)
    engine.kernels = "portable"  # type: ignore[misc]
    return engine


def _wait_loaded(client: httpx.Client) -> httpx.Response:
    for _ in range(200):
        response = client.get("/readyz")
        if response.status_code == 200 or response.json().get("error", {}).get("code") == "not_reproducible":
            return response
        import time
        time.sleep(0.05)
    raise AssertionError("the server never finished loading")


@pytest.mark.parametrize("mode", ["warn", "require"])
def test_a_machine_that_renders_other_bytes(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_reference(monkeypatch, "0" * 64)
    with InProcessServer(_portable_fake(), self_check=mode) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        ready = _wait_loaded(client)
        info = client.get("/v1/info").json()
        metrics = client.get("/metrics").text
        speech = client.post("/tts", json={"text": "你好。"})
    assert info["self_check"]["status"] == "different"
    assert info["self_check"]["items"][0]["expected_pcm_sha256"] == "0" * 64
    assert 'shengqing_self_check{status="different"} 1.0' in metrics
    if mode == "warn":  # reported, still serving
        assert ready.status_code == 200 and speech.status_code == 200
    else:
        assert ready.status_code == 503 and speech.status_code == 503
        for body in (ready.json(), speech.json()):
            assert body["error"]["code"] == "not_reproducible"
            assert "SHENGQING_SELF_CHECK=warn" in body["error"]["hint"]


def test_require_gets_ready_on_a_machine_that_reproduces(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _portable_fake()
    _fake_reference(monkeypatch, _tone_sha256(engine))
    with InProcessServer(engine, self_check="require") as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        assert _wait_loaded(client).status_code == 200
        assert client.get("/v1/info").json()["self_check"]["status"] == "identical"


def test_off_renders_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_reference(monkeypatch, "0" * 64)
    engine = _portable_fake()
    with InProcessServer(engine, self_check="off") as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        assert _wait_loaded(client).status_code == 200
        assert client.get("/v1/info").json()["self_check"] == {"status": "off"}
    assert engine.started == 0


def test_the_real_server_reproduces_the_reference(server: Server, client: httpx.Client) -> None:
    """The default server (portable kernels, self_check=warn) checked itself before it got ready."""
    result: dict[str, Any] = client.get("/v1/info").json()["self_check"]
    assert result["status"] == "identical", result
    assert [i["identical"] for i in result["items"]] == [True]
    assert 'shengqing_self_check{status="identical"} 1.0' in client.get("/metrics").text


def test_bad_setting_is_named() -> None:
    from shengqing.errors import ConfigError
    from shengqing.server import Settings

    with pytest.raises(ConfigError, match="self_check") as caught:
        Settings.from_env({"SHENGQING_SELF_CHECK": "sometimes"})
    assert "'warn', 'require' or 'off'" in (caught.value.hint or "")
