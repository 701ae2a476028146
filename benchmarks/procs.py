"""Processes and the machine for ``benchmarks/run.py``: children timed with ``wait4``, a ``shengqing serve`` on
loopback, CPU time read from ``/proc``, the load log of each section, and the summary statistics."""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHENGQING = ROOT / ".venv" / "bin" / "shengqing"
OTHER_WARN = 0.25  # cores busy with other work during a section: wall-clock figures are inflated

# -- machine and load -------------------------------------------------------------------------------------
def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


LIVE_PIDS: set[int] = set()  # children still running (servers): their CPU is read from /proc
_TICK = os.sysconf("SC_CLK_TCK")


def _pid_cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, ValueError, IndexError):
        return 0.0


def _own_cpu() -> tuple[float, dict[int, float]]:
    """CPU seconds of this process and its reaped children, and of each live child by pid."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, {p: _pid_cpu(p) for p in LIVE_PIDS}


class LoadLog:
    """Load average and busy cores before/after each section; warns when the machine was not quiet."""

    def __init__(self) -> None:
        self.sections: dict[str, dict[str, Any]] = {}
        self.warnings: list[str] = []

    @contextlib.contextmanager
    def section(self, name: str) -> Iterator[None]:
        before = os.getloadavg()
        busy0, total0 = _cpu_jiffies()
        own0, live0 = _own_cpu()
        wall0 = time.perf_counter()
        print(f"[bench] {name} (load {before[0]:.2f})", file=sys.stderr, flush=True)
        try:
            yield
        finally:
            busy1, total1 = _cpu_jiffies()
            own1, live1 = _own_cpu()
            wall = time.perf_counter() - wall0
            cores = os.cpu_count() or 1
            # a server reaped inside the section is in RUSAGE_CHILDREN at the end but was live at the start
            own = own1 - own0 + sum(live1.get(p, 0.0) - c for p, c in live0.items() if p in live1)
            own += sum(c for p, c in live1.items() if p not in live0)
            own -= sum(c for p, c in live0.items() if p not in live1)
            busy = cores * (busy1 - busy0) / max(total1 - total0, 1)
            entry = {"loadavg_before": before, "loadavg_after": os.getloadavg(), "seconds": wall,
                     "busy_cores": busy, "own_cores": own / wall if wall else 0.0,
                     "other_cores": max(0.0, busy - own / wall) if wall else 0.0}
            self.sections[name] = entry
            if entry["other_cores"] > OTHER_WARN:
                self.warnings.append(f"{name}: other work kept {entry['other_cores']:.2f} cores busy during the "
                                     "section: a shared machine, wall-clock figures are inflated")


def machine() -> dict[str, Any]:
    from shengqing.runtime import cpu_description

    versions = {}
    for dist in ("shengqing", "ai-edge-litert", "numpy", "soundfile", "fastapi", "uvicorn", "httpx"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "missing"
    versions["python"] = platform.python_version()
    try:
        mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines()
                          if x.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return {"cpu": cpu_description(), "memory_gb": mem_kb / 1024**2, "versions": versions,
            "platform": platform.platform(), "loadavg_start": os.getloadavg()}


# -- processes --------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident set of a live process (``VmHWM``)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return None


def wait_rusage(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, float | None]:
    """Reap ``proc`` with ``wait4``: (exit status, its peak RSS in MB); kills it after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss / 1024.0
        if time.monotonic() > deadline:
            proc.kill()
            deadline = time.monotonic() + 5
        time.sleep(0.005)


def run_child(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; wall time from just before spawning, exit code, peak RSS of the child."""
    full_env = {**os.environ, **(env or {})}
    t0 = time.time()
    full_env["BENCH_T0"] = repr(t0)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read() if proc.stderr else b""),
                              daemon=True)
    reader.start()
    code, rss = wait_rusage(proc, timeout)
    wall = time.perf_counter() - start
    reader.join(5)
    if code != 0:
        err = b"".join(err_chunks).decode(errors="replace")[-800:]
        raise RuntimeError(f"{' '.join(cmd[:3])}… exited {code}: {err}")
    return {"wall_s": wall, "peak_rss_mb": rss, "t0": t0}


class Server:
    """``shengqing serve`` on 127.0.0.1 and a free port; always terminated (context manager)."""

    def __init__(self, log_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.base = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.log_path = log_dir / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.t0 = 0.0
        self.peak_rss_mb: float | None = None
        self.exit_code: int | None = None

    def __enter__(self) -> Server:
        cmd = [str(SHENGQING), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
               *self.args]
        with self.log_path.open("wb") as log:
            self.t0 = time.perf_counter()
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         env=self.env)
        LIVE_PIDS.add(self.proc.pid)
        return self

    def wait_ready(self, timeout: float = 180.0) -> dict[str, float]:
        """Poll ``/healthz`` then ``/readyz``: seconds after process start each first answered 200."""
        import httpx

        assert self.proc is not None
        times: dict[str, float] = {}
        deadline = time.perf_counter() + timeout
        with httpx.Client(base_url=self.base, timeout=5.0) as client:
            while "readyz_s" not in times:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited {self.proc.returncode}: {self.log_tail()}")
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"server not ready after {timeout:.0f} s: {self.log_tail()}")
                try:
                    path = "/readyz" if "listening_s" in times else "/healthz"
                    status = client.get(path).status_code
                except httpx.TransportError:
                    status = 0
                if status == 200:
                    key = "readyz_s" if path == "/readyz" else "listening_s"
                    times[key] = time.perf_counter() - self.t0
                    continue
                time.sleep(0.01)
        return times

    def cpu_seconds(self) -> float:
        """CPU seconds (all threads) of the server and of its worker processes, if ``--workers`` > 1."""
        assert self.proc is not None
        pids = [self.proc.pid]
        for children in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                pids += [int(p) for p in children.read_text().split()]
        return sum(_pid_cpu(p) for p in pids)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        LIVE_PIDS.discard(self.proc.pid)
        self.peak_rss_mb = vm_hwm_mb(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            self.exit_code, rss = wait_rusage(self.proc, 15.0)
            if rss is not None:
                self.peak_rss_mb = max(self.peak_rss_mb or 0.0, rss)


# -- statistics ---------------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    """The ``q``-quantile (0–1) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": pct(values, 0.5), "p95": pct(values, 0.95), "min": min(values),
            "max": max(values), "mean": statistics.fmean(values)}

