"""``shengqing verify`` end to end against stand-in servers: identical fleets, changed models, kernel modes,
tampered goldens, dead URLs and broken responses — always a report and an exit code, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from verify_helpers import free_port

from shengqing.cli import main

ITEMS = [
    {"text": "你好，欢迎使用语音合成服务。"},
    {"text": "今天的阳光真灿烂，心情特别愉快！", "emotion": "happy", "format": "mp3"},
    {"text": "一年之计在于春，一日之计在于晨。", "pitch": 2.0, "format": "opus"},
]


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    path = tmp_path / "suite.json"
    path.write_text(json.dumps({"name": "mini", "items": ITEMS}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def golden(tmp_path: Path, suite_file: Path, stand_in: Any) -> Path:
    out = tmp_path / "golden.json"
    assert main(["verify", "snapshot", "--suite", str(suite_file), "--target", stand_in().url, "-o", str(out),
                 "-q"]) == 0
    return out


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def test_snapshot_manifest_layout(golden: Path) -> None:
    data = json.loads(golden.read_text(encoding="utf-8"))
    assert data["format"] == "shengqing-verify-manifest" and data["suite"]["name"] == "mini"
    assert data["environment"]["kernels"] == "portable" and data["environment"]["model"]["fingerprint"]
    assert len(data["items"]) == 3
    for item in data["items"]:
        assert len(item["pcm_sha256"]) == 64 and len(item["encoded_sha256"]) == 64
        assert item["fingerprint"]["duration"] > 1 and item["fingerprint"]["f0_median_hz"] > 100
        assert len(item["fingerprint"]["band_db"]) == 7


def test_two_live_servers_are_identical(golden: Path, stand_in: Any, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    a, b = stand_in(), stand_in()
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code, out, _ = run(["verify", "check", str(golden), "--target", a.url, "--target", b.url, "--json", str(report),
                        "--junit", str(junit), "-q"], capsys)
    assert code == 0, out
    assert out.count("identical") >= 6 and "verify: PASS" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["passed"] and [t["counts"] for t in data["targets"]] == [{"identical": 3}, {"identical": 3}]
    root = ET.parse(junit).getroot()
    assert [s.get("failures") for s in root.iter("testsuite")] == ["0", "0"]
    assert len(list(root.iter("testcase"))) == 6


def test_compare_two_servers_with_progress(suite_file: Path, stand_in: Any,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["verify", "compare", stand_in().url, stand_in().url, "--suite", str(suite_file)], capsys)
    assert code == 0 and "3 identical" in out
    assert "[" + "#" * 30 + "] 6/6" in err  # the progress bar reached the end


def test_changed_model_is_different_and_explained(golden: Path, stand_in: Any, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    def new_model(env: dict[str, Any]) -> None:
        env["model"]["fingerprint"] = "f" * 64

    server = stand_in(audio_change={"volume": 0.5}, env_change=new_model)
    junit = tmp_path / "r.xml"
    code, out, _ = run(["verify", "check", str(golden), "--target", server.url, "--tolerant", "--junit", str(junit),
                        "-q"], capsys)
    assert code == 1
    assert "different" in out and "band energy" in out
    assert "why: model fingerprint:" in out and "→ ffffffffffff" in out
    assert "verify: FAIL" in out
    root = ET.parse(junit).getroot()
    assert next(root.iter("testsuite")).get("failures") == "3"


def test_reference_kernels_are_equivalent_and_explained(golden: Path, stand_in: Any, reference_engine: Any,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    server = stand_in(engine=reference_engine)
    args = ["verify", "check", str(golden), "--target", server.url, "--limit", "1", "-q"]
    code, out, _ = run(args, capsys)
    assert code == 1 and "equivalent" in out
    assert "why: kernel mode: portable → reference" in out
    code, out, _ = run([*args, "--tolerant"], capsys)
    assert code == 0 and "verify: PASS (tolerant)" in out


def test_tampered_golden_is_reported(golden: Path, stand_in: Any, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(golden.read_text(encoding="utf-8"))
    item = data["items"][1]
    item["pcm_sha256"] = item["encoded_sha256"] = "0" * 64
    item["fingerprint"]["duration"] += 0.5
    golden.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(["verify", "check", str(golden), "--target", stand_in().url, "--tolerant", "-q"], capsys)
    assert code == 1
    line = next(x for x in out.splitlines() if item["id"] in x)
    assert "different" in line and "duration" in line
    assert "2 identical, 1 different" in out
    assert "the environments match, yet the audio differs" in out


def test_dead_url_is_reported(golden: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, _ = run(["verify", "check", str(golden), "--target", url, "-q"], capsys)
    assert code == 1
    assert out.count("cannot connect") >= 3 and "3 error" in out
    assert "target environment unknown" in out


def test_broken_responses_are_reported_per_item(golden: Path, stand_in: Any,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    html, failing, slow = stand_in(mode="html"), stand_in(mode="error"), stand_in(mode="slow", delay=3.0)
    code, out, _ = run(["verify", "check", str(golden), "--target", html.url, "--target", failing.url,
                        "--target", slow.url, "--timeout", "0.5", "--limit", "1", "-q"], capsys)
    assert code == 1
    assert "not audio: content-type 'text/html'" in out
    assert "HTTP 500: boom" in out
    assert "timeout" in out


def test_unusable_manifest_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    code, _, err = run(["verify", "check", str(bad), "--target", "local"], capsys)
    assert code == 2 and "is not a shengqing verify manifest" in err
    code, _, err = run(["verify", "check", str(tmp_path / "missing.json"), "--target", "local"], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run(["verify", "snapshot", "--suite", str(tmp_path / "nope.txt"), "-o", str(bad)], capsys)
    assert code == 2 and "does not exist" in err
