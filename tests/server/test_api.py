"""Endpoints, formats, headers, streaming and the cache, against a real server with the real model."""

from __future__ import annotations

import hashlib
import io
import time

import httpx
import numpy as np
import pytest
import soundfile as sf

from shengqing.audio import SAMPLE_RATE, decode

from .conftest import SEED, Server


def pcm_of(client: httpx.Client, text: str, **extra: object) -> np.ndarray:
    r = client.post("/tts", json={"text": text, "format": "pcm", **extra})
    assert r.status_code == 200, r.text
    return decode(r.content, "pcm")


def test_health_ready_and_catalogues(client: httpx.Client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["kernels"] in ("portable", "fast", "reference")
    voices = client.get("/v1/voices").json()
    assert voices["default"] == "baker" and voices["aliases"]["alloy"] == "baker"
    emotions = client.get("/v1/emotions").json()
    names = [e["name"] for e in emotions["emotions"]]
    assert {"neutral", "happy", "sad"} <= set(names)
    assert {e["name"]: e["label"] for e in emotions["emotions"]}["happy"] == "开心"
    models = client.get("/v1/models").json()
    assert models["object"] == "list" and models["data"][0]["id"] == "shengqing"
    assert {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"} <= {m["id"] for m in models["data"]}
    assert all(m["object"] == "model" and isinstance(m["created"], int) for m in models["data"])
    assert client.get("/v1/models/gpt-4o-mini-tts").json() == {
        "id": "gpt-4o-mini-tts", "object": "model", "created": 0, "owned_by": "shengqing"}
    missing = client.get("/v1/models/gpt-9")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found" and missing.json()["error"]["param"] == "model"
    voices_list = client.get("/v1/audio/voices").json()["voices"]  # Kokoro-FastAPI's shape: names
    assert voices_list[0] == "baker" and "alloy" in voices_list and all(isinstance(v, str) for v in voices_list)


def test_info_is_the_environment_fingerprint(client: httpx.Client) -> None:
    info = client.get("/v1/info").json()
    assert info["name"] == "shengqing" and info["version"]
    assert len(info["model"]["fingerprint"]) == 64 and info["model"]["sha256"]
    assert all(len(v) == 64 for v in info["model"]["sha256"].values())
    assert info["kernels"] in ("portable", "fast", "reference")
    assert info["runtime"]["ai-edge-litert"] and info["python"]["version"]
    assert "simd_flags" in info["cpu"] and info["cpu"]["model"]
    assert "api_keys" not in info["server"]
    assert "non-commercial" in info["license"]["training_data"]


def test_docs_openapi_and_webui_are_served(client: httpx.Client) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()  # offline: assets are served locally
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "/docs-assets/redoc.standalone.js" in redoc.text
    assert "fonts.googleapis" not in redoc.text and "cdn" not in redoc.text.lower()
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/tts" in spec["paths"] and "/v1/audio/speech" in spec["paths"]
    body = spec["paths"]["/tts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "text" in body["properties"]
    page = client.get("/")
    assert page.status_code == 200 and "合成" in page.text
    assert client.get("/static/app.js").status_code == 200


@pytest.mark.parametrize("fmt", ["wav", "pcm", "flac", "mp3", "opus"])
def test_every_format_decodes_to_the_audio(client: httpx.Client, fmt: str) -> None:
    r = client.post("/tts", json={"text": SEED[0], "format": fmt})
    assert r.status_code == 200, r.text
    expected_type = {
        "wav": "audio/wav",
        "pcm": "audio/L16",
        "flac": "audio/flac",
        "mp3": "audio/mpeg",
        "opus": "audio/ogg",
    }[fmt]
    assert r.headers["content-type"].startswith(expected_type)
    duration = float(r.headers["x-audio-duration"])
    assert 2.0 < duration < 6.0
    samples = decode(r.content, fmt)
    if fmt in ("wav", "pcm", "flac"):
        # lossless: every sample (the header states the duration to the millisecond)
        assert abs(len(samples) - duration * SAMPLE_RATE) <= SAMPLE_RATE / 1000 / 2 + 1e-6
    else:
        assert abs(len(samples) / SAMPLE_RATE - duration) < 0.15  # codec padding only
    if fmt != "pcm":
        assert sf.info(io.BytesIO(r.content)).samplerate == SAMPLE_RATE
    for header in ("x-shengqing-kernels", "x-model-fingerprint", "x-synthesis-seconds", "x-rtf", "etag"):
        assert r.headers[header]
    assert r.headers["x-shengqing-kernels"] in ("portable", "fast", "reference")


def test_openai_endpoint_defaults_to_mp3_and_maps_names(client: httpx.Client) -> None:
    r = client.post(
        "/v1/audio/speech",
        json={
            "model": "tts-1",
            "input": SEED[1],
            "voice": "alloy",
            "instructions": "no recognised tone words here",
            "future_field": 1,
        },
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.headers["x-shengqing-instructions"] == "none"
    ours = client.post("/v1/audio/speech", json={"model": "shengqing", "input": SEED[1], "voice": "baker"})
    assert ours.content == r.content  # OpenAI names are aliases of our default voice/model


def test_openai_speed_is_clamped_within_openai_range(client: httpx.Client) -> None:
    fast = client.post("/v1/audio/speech", json={"input": "你好。", "speed": 4.0, "response_format": "pcm"})
    assert fast.status_code == 200 and fast.headers["x-shengqing-speed"] == "2"
    two = client.post("/v1/audio/speech", json={"input": "你好。", "speed": 2.0, "response_format": "pcm"})
    assert fast.content == two.content
    bad = client.post("/v1/audio/speech", json={"input": "你好。", "speed": 4.5})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "speed"


def test_options_change_the_audio_deterministically(client: httpx.Client) -> None:
    base = pcm_of(client, SEED[2])
    assert np.array_equal(base, pcm_of(client, SEED[2], emotion="neutral", speed=1.0))
    slow = pcm_of(client, SEED[2], speed=0.7)
    assert len(slow) > len(base) * 1.2
    assert np.array_equal(pcm_of(client, SEED[1], emotion="开心"), pcm_of(client, SEED[1], emotion="happy"))


@pytest.mark.parametrize("fmt", ["pcm", "wav", "mp3", "opus", "flac"])
def test_stream_equals_whole(client: httpx.Client, fmt: str) -> None:
    text = "第一句话很短。第二句话稍微长一点，有逗号。第三句！"
    body = {"text": text, "format": fmt, "emotion": "sad", "speed": 1.1}
    fresh = {"Cache-Control": "no-cache"}  # both synthesized, neither answered from the cache
    whole = client.post("/tts", json=body, headers=fresh)
    assert whole.headers["x-cache"] == "miss"
    with client.stream("POST", "/tts", json={**body, "stream": True}, headers=fresh) as r:
        assert r.status_code == 200
        assert "content-length" not in r.headers and r.headers["x-first-chunk-seconds"]
        parts = list(r.iter_bytes())
    streamed = b"".join(parts)
    assert np.array_equal(decode(streamed, fmt), decode(whole.content, fmt))
    if fmt != "wav":  # wav streams announce an unknown length; every other format is byte-identical
        assert streamed == whole.content


def test_stream_sends_first_bytes_before_the_end(client: httpx.Client) -> None:
    text = "这是一个用来测试流式输出的长句子。" * 12
    start = time.perf_counter()
    with client.stream(
        "POST",
        "/v1/audio/speech",
        json={"input": text, "stream": True, "response_format": "pcm", "speed": 1.5},
    ) as r:
        first_at = None
        total = 0
        for part in r.iter_bytes():
            if part and first_at is None:
                first_at = time.perf_counter() - start
            total += len(part)
    end = time.perf_counter() - start
    assert first_at is not None and first_at < end * 0.6
    assert total > SAMPLE_RATE * 2 * 10


def test_client_disconnect_mid_stream_leaves_server_healthy(client: httpx.Client, server: Server) -> None:
    text = "客户端会在中途断开连接，服务器应当停止剩余的工作。" * 20
    with (
        httpx.Client(base_url=server.url, timeout=30) as other,
        other.stream("POST", "/tts", json={"text": text, "stream": True, "format": "mp3"}) as r,
    ):
        assert r.status_code == 200
        next(r.iter_bytes())
    time.sleep(0.3)
    assert server.alive()
    assert client.get("/healthz").status_code == 200
    assert client.post("/tts", json={"text": "还好吗？", "format": "pcm"}).status_code == 200


def test_cache_hit_identical_bytes_and_412(client: httpx.Client) -> None:
    body = {"text": "缓存测试：同样的请求得到同样的字节。", "format": "mp3", "emotion": "gentle"}
    first = client.post("/tts", json=body)
    second = client.post("/tts", json=body)
    assert first.headers["x-cache"] == "miss" and second.headers["x-cache"] == "hit"
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["x-audio-duration"] == second.headers["x-audio-duration"]
    again = client.post("/tts", json=body, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 412, again.text  # RFC 9110 §13.1.2: 412 for a POST, never 304
    assert again.json()["error"]["code"] == "precondition_failed"
    assert client.post("/tts", json=body, headers={"If-None-Match": '"other"'}).status_code == 200
    other = client.post("/tts", json={**body, "format": "wav"})
    assert other.headers["etag"] != first.headers["etag"]


def test_streamed_result_is_cached_as_a_proper_file(client: httpx.Client) -> None:
    body = {"text": "流式结果也会进入缓存。", "format": "wav"}
    with client.stream("POST", "/tts", json={**body, "stream": True}) as r:
        streamed = r.read()
    hit = client.post("/tts", json=body)
    assert hit.headers["x-cache"] == "hit"
    assert sf.info(io.BytesIO(hit.content)).frames == (len(streamed) - 44) // 2
    assert np.array_equal(decode(hit.content, "wav"), decode(streamed, "wav"))


def test_cors_headers_for_configured_origin(client: httpx.Client) -> None:
    r = client.options(
        "/tts",
        headers={
            "Origin": "http://example.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://example.test"
    r = client.post(
        "/tts", json={"text": "你好。", "format": "pcm"}, headers={"Origin": "http://example.test"}
    )
    assert "x-audio-duration" in r.headers["access-control-expose-headers"].lower()


def test_metrics_count_requests_audio_and_cache(client: httpx.Client) -> None:
    client.post("/tts", json={"text": SEED[0], "format": "pcm"})
    client.post("/tts", json={"text": SEED[0], "format": "pcm"})
    text = client.get("/metrics").text
    for name in (
        "shengqing_http_requests_total",
        "shengqing_http_request_seconds_bucket",
        "shengqing_first_chunk_seconds_bucket",
        "shengqing_audio_seconds_total",
        "shengqing_rtf_bucket",
        "shengqing_queue_depth",
        "shengqing_in_flight",
        "shengqing_cache_requests_total",
        "shengqing_rejected_requests_total",
    ):
        assert name in text, name
    assert 'route="/tts"' in text and 'status="200"' in text
    hits = [
        line for line in text.splitlines() if line.startswith('shengqing_cache_requests_total{result="hit"}')
    ]
    assert float(hits[0].split()[-1]) >= 1
    assert 'route="unmatched"' not in text or 'route="/v1/nope"' not in text


def test_not_found_is_json(client: httpx.Client) -> None:
    r = client.get("/v1/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.delete("/tts")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = client.get("/tts")  # GET /tts?text=… exists: without text it names the missing field
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"


def test_repeated_requests_same_bytes_across_cache_states(client: httpx.Client) -> None:
    body = {"text": "确定性：" + SEED[0], "format": "opus"}
    digests = {hashlib.sha256(client.post("/tts", json=body).content).hexdigest() for _ in range(3)}
    assert len(digests) == 1


def test_server_log_has_no_tracebacks(server: Server) -> None:
    """Runs last in this module: nothing above (bad input, disconnects) produced an unhandled error."""
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "never retrieved" not in log, log[-3000:]
