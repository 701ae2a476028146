"""Helpers shared by test modules (imported by name: a conftest.py cannot be imported reliably)."""

from __future__ import annotations

import hashlib
from pathlib import Path

SEED_SENTENCES = (
    "你好，欢迎使用语音合成服务。",
    "今天的阳光真灿烂，心情特别愉快！",
    "我一个人走在雨夜里，感觉有点孤单。",
)


def data_file(relative: str) -> Path:
    """A shared data file: ``../shared/data`` beside the repository when present, else the copy in tests/data."""
    for base in (Path(__file__).resolve().parents[2] / "shared" / "data", Path(__file__).resolve().parent / "data"):
        if (base / relative).is_file():
            return base / relative
    raise FileNotFoundError(relative)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def standard_texts() -> list[str]:
    lines = data_file("texts/standard.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]
