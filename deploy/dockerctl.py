"""Docker helpers shared by deploy/image_test.py and deploy/compose_test.py (test tooling, not the package).

They use a running Docker daemon when there is one, else start Debian's ``dockerd`` with no bridge and no
iptables (containers use the host network only) on a private socket, and stop it again by PID.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BASE_TAG = "local/bookworm-python:3.11"
IMAGE_TAG = "shengqing:test"
PRIVATE = Path(os.environ.get("SHENGQING_DOCKER_ROOT", "/tmp/shengqing-docker"))


def log(message: str) -> None:
    print(f"[deploy] {message}", flush=True)


def docker(*args: str, check: bool = True, capture: bool = True, timeout: float = 1800) -> str:
    result = subprocess.run(["docker", *args], capture_output=capture, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip()[-2000:] if capture else ""
        raise RuntimeError(f"docker {' '.join(args[:3])} failed ({result.returncode}): {detail}")
    return (result.stdout or "").strip() if capture else ""


def _daemon_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextlib.contextmanager
def docker_daemon() -> Iterator[None]:
    """Use the daemon at $DOCKER_HOST (or the default socket); start a private one if none answers."""
    if shutil.which("docker") is None:
        raise RuntimeError("docker is not installed (Debian: apt-get install docker.io debootstrap)")
    if _daemon_answers():
        yield
        return
    PRIVATE.mkdir(parents=True, exist_ok=True)
    sock = f"unix://{PRIVATE}/docker.sock"
    command = ["dockerd", "--bridge=none", "--iptables=false", "--ip-forward=false", "--data-root",
               str(PRIVATE / "data"), "--exec-root", str(PRIVATE / "exec"), "--pidfile", str(PRIVATE / "pid"),
               "-H", sock]
    with (PRIVATE / "dockerd.log").open("ab") as out:
        daemon = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
    previous = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = sock
    try:
        deadline = time.monotonic() + 60
        while not _daemon_answers():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not start; see {PRIVATE / 'dockerd.log'}")
            time.sleep(0.5)
        log(f"started dockerd (pid {daemon.pid}) on {sock}")
        yield
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
        log(f"stopped dockerd (pid {daemon.pid})")
        if previous is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = previous


def ensure_base(base: str | None) -> str:
    """The base image: ``base`` if given, else a debootstrap bookworm + python3 built by deploy/base-image.sh."""
    if base:
        return base
    if not _image_exists(BASE_TAG):
        log(f"building {BASE_TAG} with debootstrap (a few minutes, once)")
        subprocess.run([str(ROOT / "deploy" / "base-image.sh"), BASE_TAG], check=True)
    return BASE_TAG


def _image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def build_image(base: str, tag: str = IMAGE_TAG) -> float:
    """docker build (host network) with this machine's CA bundle and cached model wheel as build extras."""
    extra = ROOT / "deploy" / "build-extra"
    made: list[Path] = []
    ca = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if ca and Path(ca).is_file():
        made.append(extra / "ca.pem")
        shutil.copyfile(ca, made[-1])
    from shengqing.models.store import WHEEL_NAME, ModelStore

    wheel = ModelStore().home / "downloads" / WHEEL_NAME
    if wheel.is_file() and not (extra / WHEEL_NAME).exists():
        made.append(extra / WHEEL_NAME)
        shutil.copyfile(wheel, made[-1])
    version = _project_version()
    started = time.monotonic()
    try:
        docker("build", "--network", "host", "--build-arg", f"BASE={base}", "--build-arg", f"VERSION={version}",
               "-t", tag, str(ROOT), capture=False)
    finally:
        for path in made:
            path.unlink(missing_ok=True)
    return time.monotonic() - started


def _project_version() -> str:
    import tomllib

    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout: float = 60.0, interval: float = 0.02) -> float:
    """Seconds until ``url``/readyz answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0, trust_env=False).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{url}/readyz not 200 within {timeout:.0f} s")


def golden_kernels(manifest: Path) -> str:
    """The kernel mode the golden manifest was rendered with (the image test uses whatever it says)."""
    import json

    return str(json.loads(manifest.read_text(encoding="utf-8"))["environment"]["kernels"])
