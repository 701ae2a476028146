"""Model files changed under a running server: no SIGBUS, /readyz 503 while they are bad, reload when fixed."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shengqing.models.store import ACOUSTIC_FILE, VOCODER_FILE, InstalledModel

from .conftest import Server

WATCH = {"SHENGQING_MODEL_WATCH": "0.2", "SHENGQING_CACHE_URL": "off"}


@pytest.fixture
def home(tmp_path: Path, installed_model: InstalledModel) -> Iterator[Path]:
    """A private copy of the installed model home (the tests damage its files)."""
    copy = tmp_path / "home"
    shutil.copytree(installed_model.directory, copy / "models" / installed_model.directory.name)
    yield copy


def model_file(home: Path, name: str) -> Path:
    return next((home / "models").iterdir()) / name


def readyz(url: str) -> httpx.Response:
    return httpx.get(url + "/readyz", timeout=5)


def wait_status(url: str, status: int, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = readyz(url)
            if r.status_code == status:
                return r
        except httpx.HTTPError:
            r = None
        if time.monotonic() > deadline:
            raise AssertionError(f"/readyz never answered {status}: {r.text if r is not None else 'no answer'}")
        time.sleep(0.1)


def synthesize(url: str) -> httpx.Response:
    return httpx.post(url + "/tts", json={"text": "模型文件被改动了。", "format": "pcm"}, timeout=60)


@pytest.mark.parametrize("change", ["truncate", "overwrite"])
def test_a_model_file_truncated_under_the_server(server_tmp: Path, home: Path, change: str) -> None:
    """Issue 14: ``truncate -s 0`` on the mapped acoustic model killed the server (SIGBUS); overwriting it
    in place gave every request a 500 while /readyz stayed 200."""
    proc = Server(server_tmp, f"watch-{change}", {**WATCH, "SHENGQING_HOME": str(home)}).wait_ready()
    try:
        acoustic = model_file(home, ACOUSTIC_FILE)
        good = acoustic.read_bytes()
        before = synthesize(proc.url)
        assert before.status_code == 200
        with acoustic.open("r+b") as f:  # the same inode: truncate -s 0 (the pages gone) or new bytes in place
            if change == "truncate":
                f.truncate(0)
            else:
                f.write(bytes(reversed(good)))
        during = synthesize(proc.url)  # mapping the file itself would die of SIGBUS here
        assert proc.alive(), proc.output()
        assert during.status_code == 200 and during.content == before.content
        bad = wait_status(proc.url, 503, 30)
        deadline = time.monotonic() + 30
        while bad.json()["error"]["code"] == "not_ready" and time.monotonic() < deadline:
            time.sleep(0.1)  # the files are being verified again: 503 not_ready comes first
            bad = wait_status(proc.url, 503, 30)
        assert bad.json()["error"]["code"] == "model_corrupt"
        assert str(home) not in bad.text  # no absolute path for unauthenticated callers
        acoustic.write_bytes(good)
        wait_status(proc.url, 200, 60)
        assert synthesize(proc.url).content == before.content
        assert proc.alive()
    finally:
        proc.stop()


def test_a_model_corrupt_at_start_recovers_once_fixed(server_tmp: Path, home: Path) -> None:
    vocoder = model_file(home, VOCODER_FILE)
    good = vocoder.read_bytes()
    vocoder.write_bytes(good[:1000] + bytes(len(good) - 1000))
    proc = Server(server_tmp, "watch-corrupt", {**WATCH, "SHENGQING_HOME": str(home)})
    try:
        bad = wait_status(proc.url, 503, 60)
        deadline = time.monotonic() + 60
        while bad.json()["error"]["code"] == "not_ready" and time.monotonic() < deadline:
            time.sleep(0.2)
            bad = readyz(proc.url)
        assert bad.json()["error"]["code"] == "model_corrupt", bad.text
        assert synthesize(proc.url).status_code == 503
        vocoder.write_bytes(good)
        wait_status(proc.url, 200, 60)
        assert synthesize(proc.url).status_code == 200
    finally:
        proc.stop()
