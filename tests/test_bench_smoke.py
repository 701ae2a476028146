"""Smoke test of the benchmark suite: ``benchmarks/run.py --quick`` runs every section and gives sane numbers.

Benchmarks are not tests: nothing here checks a timing target, only that each figure exists, is positive and
finite, and that audio durations and real-time factors are physically plausible.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory, installed_model: object) -> tuple[dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("bench")
    out, doc = tmp / "quick.json", tmp / "benchmarks.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--skip-reference", "--out", str(out),
         "--doc", str(doc), "--plots", str(tmp / "plots")],
        capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), doc


@pytest.mark.slow
def test_every_section_ran(quick_run: tuple[dict[str, Any], Path]) -> None:
    results, _ = quick_run
    for section in ("machine", "cold_cli", "cold_api", "cold_server", "warm", "server", "kernels", "load",
                    "cold_cli_fast", "cold_api_fast", "cold_server_fast", "warm_fast", "server_fast"):
        assert section in results, section
    assert results["quick"] is True
    assert results["modes"] == ["portable", "fast"]
    assert "reference" not in results
    assert results["machine"]["cpu"]["cores"] >= 1


@pytest.mark.slow
def test_cold_start_numbers_are_sane(quick_run: tuple[dict[str, Any], Path]) -> None:
    results, _ = quick_run
    for key in ("wall_s", "peak_rss_mb"):
        assert _positive(results["cold_cli"][key]["p50"])
    api = results["cold_api"]
    assert 0 < api["import_s"]["p50"] < api["first_audio_s"]["p50"]
    assert 20 < api["peak_rss_mb"]["p50"] < 4000
    server = results["cold_server"]
    assert 0 < server["listening_s"]["p50"] <= server["readyz_s"]["p50"] <= server["first_response_s"]["p50"]


@pytest.mark.slow
def test_warm_latency_rtf_and_stages_are_sane(quick_run: tuple[dict[str, Any], Path]) -> None:
    results, _ = quick_run
    warm = results["warm"]
    for size, entry in warm["latency"].items():
        # Mandarin at a natural pace: roughly 3–8 characters per second of audio (pauses included)
        assert entry["chars"] / 10 < entry["audio_s"] < entry["chars"] / 1.5, size
        assert 0 < entry["first_chunk"]["p50"] <= entry["full"]["p50"]
    standard = warm["standard"]
    assert 0 < standard["rtf"] < 1 and 0 < standard["rtf_cpu"] < 1
    for stage in ("frontend", "acoustic", "vocoder"):
        assert _positive(standard["stage_rtf"][stage]), stage
    assert standard["stage_rtf"]["vocoder"] > standard["stage_rtf"]["frontend"]
    for record in warm["lengths"]:
        assert all(_positive(w) for w in record["wall_s"])
        assert all(math.isfinite(v) and v >= 0 for v in record["encode_s"]["wav"])


@pytest.mark.slow
def test_server_sections_are_sane(quick_run: tuple[dict[str, Any], Path]) -> None:
    results, _ = quick_run
    server = results["server"]
    for size in ("short", "medium", "long"):
        entry = server["latency"][size]
        assert entry["errors"] == 0 and entry["cache_hits"] == 0, size
        assert 0 < entry["stream_first_byte"]["p50"] <= entry["stream_full"]["p50"]
        assert _positive(entry["audio_s"])
    for level in server["throughput"]:
        assert level["errors"] == 0 and level["ok"] >= 1 and level["cache_hits"] == 0
        assert _positive(level["audio_s_per_s"])
    cache = server["cache"]["medium"]
    assert cache["miss_cache"] == "miss" and cache["hit_fraction"] == 1.0
    assert _positive(cache["client_ms"]["p50"])
    assert cache["server_ms"] is None or _positive(cache["server_ms"]["p50"])
    assert _positive(server["peak_rss_mb"])
    assert server["exit_code"] is not None  # the server was terminated and reaped


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["portable", "fast"])
def test_each_mode_ran_in_its_mode(quick_run: tuple[dict[str, Any], Path], mode: str) -> None:
    """Every section of a mode says so, and the engine, ``/v1/info`` and the response header agree."""
    results, _ = quick_run
    suffix = "" if mode == "portable" else f"_{mode}"
    for name in ("cold_cli", "cold_api", "cold_server", "warm", "server"):
        assert results[name + suffix]["kernels"] == mode, name
    assert results["cold_api" + suffix]["kernels_reported"] == mode
    assert results["cold_server" + suffix]["kernels_reported"] == mode
    assert results["warm" + suffix]["info"]["kernels"] == mode
    server = results["server" + suffix]
    assert server["after_load"]["kernels_info"] == server["after_load"]["kernels_header"] == mode
    assert _positive(server["after_load"]["peak_rss_mb"])
    four = next(level for level in server["throughput"] if level["clients"] == 4)
    assert four["errors"] == 0 and four["kernels"] == [mode]
    assert _positive(four["audio_s_per_s"]) and _positive(four["cpu_s_per_audio_s"])
    standard = results["warm" + suffix]["standard"]
    assert 0 < standard["rtf_cpu"] < 1
    for stage in ("frontend", "acoustic", "vocoder"):
        assert _positive(standard["stage_rtf"][stage]), stage
    assert _positive(results["warm" + suffix]["latency"]["long"]["first_chunk"]["p50"])


@pytest.mark.slow
def test_kernel_experiments_and_report(quick_run: tuple[dict[str, Any], Path]) -> None:
    results, doc = quick_run
    rows = results["kernels"]["rows"]
    assert {r["stage"] for r in rows} == {"acoustic", "vocoder"}
    assert all(0 < r["rtf"] < 5 for r in rows)
    text = doc.read_text(encoding="utf-8")
    for heading in ("## Kernel modes: portable vs fast", "## Machine", "## Targets", "## 1. Cold start",
                    "## 4. Throughput", "## Where the time goes"):
        assert heading in text
    assert text.index("## Kernel modes") < text.index("## Machine")
    assert "| throughput, 4 HTTP clients (audio-s per s) |" in text
