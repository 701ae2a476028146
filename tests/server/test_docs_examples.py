"""Every example marked ``<!-- runnable -->`` in README.md and docs/server.md runs as written against a real
server (only its address put in place of ``localhost:8000``), and every audio file it writes decodes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shengqing.audio import decode

from .conftest import ROOT, Server

DOCS = ("README.md", "docs/server.md")
MARKED = re.compile(r"<!-- runnable -->\n```(bash|python)\n(.*?)\n```", re.S)
ADDRESSES = ("http://localhost:8000", "http://127.0.0.1:8000", "localhost:8000", "127.0.0.1:8000")


def examples() -> list[tuple[str, int, str, str]]:
    found = []
    for name in DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        for match in MARKED.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            found.append((name, line, match.group(1), match.group(2)))
    return found


def test_the_docs_mark_their_examples() -> None:
    kinds = {(name, kind) for name, _, kind, _ in examples()}
    assert {("README.md", "bash"), ("README.md", "python"), ("docs/server.md", "bash"),
            ("docs/server.md", "python")} <= kinds
    # every fenced block that calls the HTTP API is marked (or deliberately not: one needs a sound device)
    for name in DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        for block in re.finditer(r"(<!-- runnable -->\n)?```(bash|python)\n(.*?)\n```", text, re.S):
            calls = "curl " in block.group(3) or "OpenAI(" in block.group(3)
            if calls and block.group(1) is None:
                assert "| play " in block.group(3), f"{name}: unmarked example\n{block.group(3)[:200]}"


@pytest.mark.parametrize(("doc", "line", "kind", "source"), examples(),
                         ids=[f"{name}:{line}" for name, line, _, _ in examples()])
def test_example_runs_as_written(server: Server, tmp_path: Path, doc: str, line: int, kind: str, source: str
                                 ) -> None:
    address = server.url.removeprefix("http://")
    for old in ADDRESSES:
        source = source.replace(old, server.url if old.startswith("http") else address)
    if kind == "bash":
        command = ["bash", "-euo", "pipefail", "-c", source]
    else:
        (tmp_path / "example.py").write_text(source, encoding="utf-8")
        command = [sys.executable, "example.py"]
    done = subprocess.run(command, cwd=tmp_path, env={**os.environ, "NO_PROXY": "*"}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{doc}:{line} failed\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    written = [path for path in tmp_path.iterdir() if path.suffix in (".wav", ".mp3", ".pcm", ".flac", ".ogg")]
    for path in written:
        assert len(decode(path.read_bytes(), path.suffix[1:])) > 0, path.name
    if "-o " in source or "to_file(" in source:
        assert written, f"{doc}:{line} wrote no audio"
    assert "412" in done.stdout or "If-None-Match" not in source
