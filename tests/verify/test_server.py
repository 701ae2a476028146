"""The contract over HTTP, against real ``shengqing serve`` processes on loopback: API vs HTTP, thread counts
and workers, streaming vs whole, cache hit vs miss, and ``verify`` against live servers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from verify_helpers import ServerProcess, server_available

from shengqing.cli import main
from shengqing.verify.compare import IDENTICAL
from shengqing.verify.manifest import build_manifest, compare_runs, run_suite, write_json
from shengqing.verify.suite import Suite, SuiteItem
from shengqing.verify.targets import HttpTarget, LocalTarget

pytestmark = pytest.mark.skipif(not server_available(),
                                reason="shengqing.server / `shengqing serve` is not importable in this build yet")

ITEMS = (SuiteItem(text="你好，欢迎使用语音合成服务。"),
         SuiteItem(text="今天的阳光真灿烂，心情特别愉快！", emotion="happy", format="mp3"),
         SuiteItem(text="一年之计在于春，一日之计在于晨。", pitch=2.0, speed=1.1, format="opus"))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServerProcess]]:
    """One server with 1 thread, one with 2 worker processes × 2 threads (both the default portable kernels)."""
    started = {"one": ServerProcess("--threads", "1", "--workers", "1"),
               "workers": ServerProcess("--threads", "2", "--workers", "2")}
    try:
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        for server in started.values():
            server.close()


@pytest.fixture(scope="module")
def api_manifest(engine: Any) -> dict[str, Any]:
    """The mini suite rendered by the Python API (default portable kernels, 2 threads)."""
    target = LocalTarget(engine=engine)
    return build_manifest(Suite("mini", ITEMS), run_suite(target, ITEMS), _tolerance())


def _tolerance() -> Any:
    from shengqing.verify.compare import Tolerance

    return Tolerance()


def test_http_equals_api_across_threads_and_workers(servers: dict[str, ServerProcess],
                                                     api_manifest: dict[str, Any]) -> None:
    for server in servers.values():
        target = HttpTarget(server.url, timeout=120)
        try:
            for _ in range(2):  # a second round may land on the other worker process
                report = compare_runs(api_manifest, run_suite(target, ITEMS), _tolerance())
                assert [v.status for v in report.verdicts] == [IDENTICAL] * len(ITEMS), report.verdicts
        finally:
            target.close()
        assert report.environment["kernels"] == "portable"
        assert report.environment["model"]["fingerprint"] == api_manifest["environment"]["model"]["fingerprint"]


def test_cache_hit_equals_miss_and_stream_equals_whole(servers: dict[str, ServerProcess], engine: Any) -> None:
    text = "请把音量调到百分之八十，然后播放第5首歌。"
    expected = engine.synthesize(text, emotion="sad")
    body = {"text": text, "emotion": "sad", "format": "mp3"}
    with httpx.Client(base_url=servers["one"].url, timeout=120, trust_env=False) as client:
        first = client.post("/tts", json=body)
        second = client.post("/tts", json=body)
        streamed = client.post("/tts", json={**body, "stream": True})
        pcm = client.post("/tts", json={**body, "format": "pcm", "stream": True})
    assert first.status_code == second.status_code == streamed.status_code == 200
    assert (first.headers.get("x-cache"), second.headers.get("x-cache")) == ("miss", "hit")
    assert first.headers["x-shengqing-kernels"] == "portable"
    assert first.headers["x-model-fingerprint"] == engine.model.fingerprint
    assert digest(first.content) == digest(second.content) == digest(expected.encode("mp3"))
    assert digest(streamed.content) == digest(expected.encode("mp3"))
    assert digest(pcm.content) == digest(expected.pcm_bytes())


def test_verify_two_live_servers_identical(servers: dict[str, ServerProcess], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps([i.request() for i in ITEMS], ensure_ascii=False), encoding="utf-8")
    golden = tmp_path / "golden.json"
    assert main(["verify", "snapshot", "--suite", str(suite), "--target", servers["one"].url, "-o", str(golden),
                 "-q"]) == 0
    code = main(["verify", "check", str(golden), "--target", servers["one"].url, "--target",
                 servers["workers"].url, "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("3 identical") == 2
    code = main(["verify", "compare", servers["one"].url, servers["workers"].url, "--suite", str(suite), "-q"])
    assert code == 0


def test_server_with_reference_kernels_is_explained(servers: dict[str, ServerProcess], api_manifest: dict[str, Any],
                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    golden = tmp_path / "golden.json"
    write_json(golden, api_manifest)
    server = ServerProcess("--kernels", "reference", "--threads", "2")
    try:
        server.wait_ready()
        code = main(["verify", "check", str(golden), "--target", server.url, "--limit", "1", "-q"])
    finally:
        server.close()
    out = capsys.readouterr().out
    assert code == 1
    assert "equivalent" in out and "why: kernel mode: portable → reference" in out
