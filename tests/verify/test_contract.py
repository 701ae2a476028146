"""The determinism contract (docs/consistency.md), clause by clause, on the in-process engine and the CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shengqing.audio import FORMATS, StreamEncoder, decode

TEXT = "今天的阳光真灿烂，心情特别愉快！我们一起去公园散步吧。"
OPTIONS: dict[str, Any] = {"emotion": "happy", "speed": 1.1, "pitch": 1.0}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def expected(engine: Any) -> dict[str, str]:
    """PCM and every format's bytes from the session engine (default portable kernels, 2 threads)."""
    audio = engine.synthesize(TEXT, **OPTIONS)
    return {"pcm": digest(audio.pcm_bytes()), **{fmt: digest(audio.encode(fmt)) for fmt in FORMATS}}


def test_repeated_calls_are_identical(engine: Any, expected: dict[str, str]) -> None:
    for _ in range(2):
        audio = engine.synthesize(TEXT, **OPTIONS)
        assert digest(audio.pcm_bytes()) == expected["pcm"]
        assert {fmt: digest(audio.encode(fmt)) for fmt in FORMATS} == expected  # "pcm" encodes as the raw PCM


@pytest.mark.parametrize("threads", [1, 4])
def test_thread_counts_do_not_change_the_audio(installed_model: Any, expected: dict[str, str], threads: int) -> None:
    from shengqing import Synthesizer

    with Synthesizer(model=installed_model, kernels="portable", threads=threads) as synth:
        assert digest(synth.synthesize(TEXT, **OPTIONS).pcm_bytes()) == expected["pcm"]  # 2 threads: the fixture


def test_streaming_equals_whole(engine: Any, expected: dict[str, str]) -> None:
    chunks = list(engine.stream(TEXT, **OPTIONS))
    assert len(chunks) > 1
    pcm = np.concatenate([c.samples for c in chunks]).astype("<i2").tobytes()
    assert digest(pcm) == expected["pcm"]
    for fmt in ("pcm", "mp3", "opus"):  # streamed encodings equal whole-file ones byte for byte
        encoder = StreamEncoder(fmt)
        data = b"".join(encoder.feed(c.samples) for c in chunks) + encoder.finish()
        assert digest(data) == expected[fmt]
    encoder = StreamEncoder("wav")  # streamed wav says "length unknown" in its header; same samples
    data = b"".join(encoder.feed(c.samples) for c in chunks) + encoder.finish()
    assert digest(decode(data, "wav").astype("<i2").tobytes()) == expected["pcm"]


def test_another_process_gives_identical_bytes(expected: dict[str, str]) -> None:
    code = (
        "import hashlib, json, sys\n"
        "from shengqing import Synthesizer\n"
        "from shengqing.audio import FORMATS\n"
        "with Synthesizer(kernels='portable', threads=1) as s:\n"
        f"    a = s.synthesize({TEXT!r}, **{OPTIONS!r})\n"
        "    out = {'pcm': hashlib.sha256(a.pcm_bytes()).hexdigest()}\n"
        "    out.update({f: hashlib.sha256(a.encode(f)).hexdigest() for f in FORMATS})\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_cli_gives_the_api_bytes(tmp_path: Path, expected: dict[str, str]) -> None:
    for fmt in ("pcm", "opus"):
        out = tmp_path / f"out.{fmt}"
        subprocess.run([sys.executable, "-m", "shengqing.cli", "say", TEXT, "-o", str(out), "--emotion", "happy",
                        "--speed", "1.1", "--pitch", "1", "--threads", "1", "--kernels", "portable", "-q"],
                       check=True, timeout=120)
        assert digest(out.read_bytes()) == expected[fmt]


def test_http_stand_in_gives_the_api_bytes(stand_in: Any, expected: dict[str, str]) -> None:
    """The verify HTTP client reproduces the API's bytes through a server (real server: test_server.py)."""
    from shengqing.verify.suite import SuiteItem
    from shengqing.verify.targets import HttpTarget

    server = stand_in()
    target = HttpTarget(server.url, timeout=60)
    try:
        rendering = target.render(SuiteItem(text=TEXT, format="mp3", **OPTIONS))
    finally:
        target.close()
    assert digest(rendering.pcm) == expected["pcm"]
    assert digest(rendering.encoded) == expected["mp3"]
