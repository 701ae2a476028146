"""``./run.sh soak``: a bounded loopback reliability harness for the HTTP service; writes docs/reliability.md.

Every phase runs real ``shengqing serve`` processes on 127.0.0.1 with bounded client counts and durations:

* hostile: 10 concurrent clients that send the amplification inputs (SSML silence bombs, the longest
  streams and whole responses) and then read slowly or not at all, plus slowloris header senders; the
  server's RSS is sampled throughout (target ≤ 400 MB);
* overload: twice the server's capacity (slots + queue) in closed-loop clients (target: only 200 and 503);
* redis: the latency a hung Redis (accepts, never answers) adds once the breaker is open (target ≤ 50 ms);
* schemathesis: property-based requests generated from ``/openapi.json`` (target ≥ 5,000 with no 5xx);
* sigkill: a worker of a 2-worker server killed; time until a replacement is ready (target ≤ 5 s);
* drain: SIGTERM with requests in flight (target: every request shorter than the grace completes).

``--quick`` is the reduced run used by the test suite (seconds instead of minutes, no schemathesis).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak_report import report

ROOT = Path(__file__).resolve().parents[1]
TEXT = "今天的阳光真灿烂，心情特别愉快！我们一起去公园散步吧。"
SILENCE_BOMB = "<speak>" + '<break time="10s"/>' * 1050 + "你好</speak>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``shengqing serve`` on a free loopback port; RSS of the process tree sampled on a thread."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="soak-", suffix=".log", delete=False)  # noqa: SIM115
        base = {k: v for k, v in os.environ.items() if not k.startswith("SHENGQING_") or k == "SHENGQING_HOME"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shengqing.cli", "serve", "--port", str(self.port), *args],
            env={**base, "SHENGQING_THREADS": "2", **env}, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.max_rss = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready after 180 s")
            time.sleep(0.2)
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._sampling = False
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        os.unlink(self.log.name)

    def pids(self) -> list[int]:
        return [self.process.pid, *children(self.process.pid)]

    def _sample(self) -> None:
        while self._sampling:
            self.max_rss = max(self.max_rss, max((rss_mb(pid) for pid in self.pids()), default=0))
            time.sleep(0.1)

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def raw_post(port: int, body: dict[str, Any], rcvbuf: int = 16384) -> socket.socket:
    data = json.dumps(body, ensure_ascii=False).encode()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"POST /tts HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(data) + data)
    return sock


# -- phases ---------------------------------------------------------------------------------------------
def hostile(seconds: float, clients: int = 10) -> dict[str, Any]:
    """``clients`` hostile clients at once for ``seconds``; the server's peak RSS."""
    statuses: Counter[str] = Counter()
    with Server({"SHENGQING_CACHE_URL": "memory", "SHENGQING_CONCURRENCY": "2", "SHENGQING_QUEUE": "8",
                 "SHENGQING_TIMEOUT": "20"}) as server:
        stop = time.monotonic() + seconds
        baseline = server.max_rss or max(rss_mb(p) for p in server.pids())
        long_text = (TEXT * 600)[:20000]
        whole_text = (TEXT * 80)[:2000]
        kinds = [
            ("silence bomb, streamed", {"text": SILENCE_BOMB, "stream": True, "format": "pcm"}, 0),
            ("longest stream, never read", {"text": long_text, "stream": True, "format": "pcm"}, None),
            ("longest whole wav, read 4 KB/s", {"text": whole_text, "format": "wav"}, 4096),
            ("longest stream, read 4 KB/s", {"text": long_text, "stream": True, "format": "wav"}, 4096),
            ("slowloris headers", None, None),
        ]

        def client(index: int) -> None:
            name, body, rate = kinds[index % len(kinds)]
            while time.monotonic() < stop:
                try:
                    if body is None:
                        with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
                            sock.sendall(b"POST /tts HTTP/1.1\r\nHost: x\r\n")
                            closed = sock.recv(16) == b""
                        statuses[f"{name}: {'closed by server' if closed else 'answered'}"] += 1
                        continue
                    with raw_post(server.port, body) as sock:
                        sock.settimeout(max(1.0, stop - time.monotonic() + 1))
                        head = sock.recv(64)
                        statuses[f"{name}: {head[9:12].decode(errors='replace') or 'closed'}"] += 1
                        while time.monotonic() < stop and rate != 0:
                            if rate is None:
                                time.sleep(0.5)
                                continue
                            if not sock.recv(rate):
                                break
                            time.sleep(1)
                except OSError as exc:
                    statuses[f"{name}: {type(exc).__name__}"] += 1
                    time.sleep(0.2)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ok = httpx.post(server.url + "/tts", json={"text": "你好。", "format": "pcm"}, timeout=60).status_code
        return {"clients": clients, "seconds": seconds, "baseline_rss_mb": round(baseline, 1),
                "max_rss_mb": round(server.max_rss, 1), "statuses": dict(statuses), "afterwards": ok}


def overload(seconds: float, timeout: float = 10.0) -> dict[str, Any]:
    """Closed-loop clients at twice the capacity (slots + queue); status counts, latency, peak RSS."""
    concurrency, queue = 2, 4
    clients = 2 * (concurrency + queue)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    with Server({"SHENGQING_CONCURRENCY": str(concurrency), "SHENGQING_QUEUE": str(queue),
                 "SHENGQING_TIMEOUT": str(timeout)}) as server:
        stop = time.monotonic() + seconds

        def client(index: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                n = 0
                while time.monotonic() < stop:
                    n += 1
                    start = time.perf_counter()
                    r = http.post("/tts", json={"text": f"{TEXT}第{index}号第{n}次。", "format": "pcm"},
                                  headers={"Cache-Control": "no-store"})
                    latencies.append(time.perf_counter() - start)
                    statuses[r.status_code] += 1
                    if r.status_code == 503:
                        time.sleep(min(float(r.headers.get("retry-after", 1)), 2) / 4)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        latencies.sort()
        return {"clients": clients, "capacity": concurrency + queue, "seconds": seconds,
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "p50_s": round(statistics.median(latencies), 3) if latencies else None,
                "p99_s": round(latencies[int(0.99 * (len(latencies) - 1))], 3) if latencies else None,
                "max_rss_mb": round(server.max_rss, 1)}


def redis_hung(requests: int = 40) -> dict[str, Any]:
    """Latency of cache misses with a hung Redis (breaker open) vs no cache: the two servers are asked in
    turn, request for request, so the machine's load affects both alike; the median of the differences."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(128)
        url = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        with Server({"SHENGQING_CACHE_URL": "off"}) as plain, Server({"SHENGQING_CACHE_URL": url}) as redis:
            servers = {"off": plain, "hung": redis}
            times: dict[str, list[float]] = {"off": [], "hung": []}
            for server in servers.values():  # the first request opens the breaker
                httpx.post(server.url + "/tts", json={"text": "预热。", "format": "pcm"}, timeout=60)
            for n in range(requests):
                for name, server in servers.items():
                    start = time.perf_counter()
                    httpx.post(server.url + "/tts", json={"text": f"好{n}。", "format": "pcm"}, timeout=60)
                    times[name].append(time.perf_counter() - start)
            log = redis.log_text()
        in_process = open_breaker_cost(url)  # while the hung socket still accepts
    added = statistics.median(h - o for h, o in zip(times["hung"], times["off"], strict=True))
    return {"requests": requests, "open_breaker_get_put_us": round(in_process * 1e6, 1),
            "median_off_ms": round(statistics.median(times["off"]) * 1000, 1),
            "median_hung_ms": round(statistics.median(times["hung"]) * 1000, 1),
            "added_ms": round(added * 1000, 1), "warnings_logged": log.count("redis cache unavailable")}


def open_breaker_cost(url: str, calls: int = 1000) -> float:
    """Seconds one cache lookup + store costs a request once the breaker is open (in process, no noise)."""
    import asyncio

    from shengqing.server.cache import CachedAudio, RedisCache

    async def measure() -> float:
        cache = RedisCache(url, ttl=60)
        await cache.get("open the breaker")
        entry = CachedAudio(b"x", 1.0, 0.1, "fast")
        start = time.perf_counter()
        for n in range(calls):
            await cache.get(f"k{n}")
            await cache.put(f"k{n}", entry)
        await cache.close()
        return (time.perf_counter() - start) / calls

    return asyncio.run(measure())


def schemathesis_run(examples: int, binary: str, target: int = 5000, passes: int = 4) -> dict[str, Any]:
    """schemathesis against /openapi.json, pass after pass (new seeds) until ``target`` requests; requests
    and 5xx counted from the server's own metrics, by route."""
    with Server({"SHENGQING_MAX_CHARS": "24", "SHENGQING_MAX_CHARS_STREAM": "48", "SHENGQING_QUEUE": "64",
                 "SHENGQING_CACHE_URL": "memory"}) as server:
        started = time.monotonic()
        # the harness's own readiness polls (503 while the model loads) are not schemathesis's requests
        before, routes_before = request_counts(server.url)
        tails = []
        for seed in range(1, passes + 1):
            result = subprocess.run(
                [binary, "run", server.url + "/openapi.json", "--checks", "not_a_server_error",
                 "--max-examples", str(examples), "--workers", "2", "--request-timeout", "60", "--seed", str(seed),
                 "--suppress-health-check", "all", "--phases", "examples,coverage,fuzzing"],
                capture_output=True, text=True, timeout=3600, check=False)
            tails.append({"seed": seed, "exit_code": result.returncode,
                          "summary": [line for line in (result.stdout + result.stderr).splitlines()
                                      if "generated" in line or "issues" in line.lower()][-2:]})
            after, after_routes = request_counts(server.url)
            counts = after - before
            by_route = after_routes - routes_before
            if sum(counts.values()) >= target:
                break
        return {"requests": sum(counts.values()), "statuses": dict(sorted(counts.items())),
                "server_errors": sum(v for k, v in counts.items() if k.startswith("5")),
                "server_errors_by_route": dict(by_route), "passes": tails,
                "seconds": round(time.monotonic() - started)}


def request_counts(url: str) -> tuple[Counter[str], Counter[str]]:
    """Requests by status and 5xx by route (``/metrics`` itself left out), from the server's metrics."""
    counts: Counter[str] = Counter()
    by_route: Counter[str] = Counter()
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        if line.startswith("shengqing_http_requests_total{") and 'route="/metrics"' not in line:
            status = line.split('status="')[1].split('"')[0]
            value = int(float(line.rsplit(" ", 1)[1]))
            counts[status] += value
            if status.startswith("5"):
                by_route[line.split('route="')[1].split('"')[0] + " " + status] += value
    return counts, by_route


def sigkill_worker(kills: int = 5) -> dict[str, Any]:
    """Kill a worker of a 2-worker server ``kills`` times (waiting for each replacement); for each kill the
    seconds until the replacement is ready, the load average then, and the replacement's own breakdown
    (process start → app, model load, warm-up) from its "ready" log line."""
    import re

    ready_line = re.compile(r" ready: model .*?\(process start → app ([\d.?]+)(?: s)?, model load ([\d.]+) s, "
                            r"warm-up ([\d.]+) s(?:, self-check [\d.]+ s)?\)")
    # the fork server's saving is measured without the start-up self-check, which every worker would add on
    # top (it renders ~7 s of audio; docs/consistency.md)
    with Server({"SHENGQING_SELF_CHECK": "off"}, "--workers", "2", "--log-level", "info") as server:
        deadline = time.monotonic() + 120
        while server.log_text().count(" ready: model ") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        rounds = []
        for _ in range(kills):
            workers = worker_pids(server.process.pid)
            before = server.log_text().count(" ready: model ")
            load = os.getloadavg()[0]
            killed = time.monotonic()
            os.kill(max(workers), signal.SIGKILL)
            failures = 0
            replaced = None
            while time.monotonic() - killed < 120:  # a loaded 2-core machine can take this long
                try:
                    failures += httpx.get(server.url + "/readyz", timeout=2).status_code != 200
                except httpx.HTTPError:
                    failures += 1
                if server.log_text().count(" ready: model ") > before:
                    replaced = time.monotonic() - killed
                    break
                time.sleep(0.05)
            new = [pid for pid in worker_pids(server.process.pid) if pid not in workers]
            found = ready_line.findall(server.log_text())
            app, model, warm = found[-1] if len(found) > before else ("?", "?", "?")
            rounds.append({"ready_after_s": round(replaced, 2) if replaced else None, "load_average": round(load, 1),
                           "replacement_cpu_s": round(cpu_seconds(new[0]), 2) if new else None,
                           "forked": bool(new) and _forked(new[0]),
                           "process_start_to_app_s": app, "model_load_s": model, "warm_up_s": warm,
                           "readyz_failures": failures})
            time.sleep(1)
        times = [r["ready_after_s"] for r in rounds if r["ready_after_s"] is not None]
        cpu = [r["replacement_cpu_s"] for r in rounds if r["replacement_cpu_s"] is not None]
        return {"workers": 2, "kills": kills, "rounds": rounds,
                "median_replacement_cpu_s": round(statistics.median(cpu), 2) if cpu else None,
                "median_ready_after_s": round(statistics.median(times), 2) if times else None,
                "replaced_ready_after_s": max(times) if times else None,
                "readyz_failures_meanwhile": sum(r["readyz_failures"] for r in rounds)}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _forked(pid: int) -> bool:
    """Whether ``pid`` was forked from a multiprocessing fork server."""
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return False
    return b"forkserver" in cmdline(parent)


def worker_pids(root: int) -> list[int]:
    """uvicorn's workers: spawned children (``spawn_main``), or children of the fork server."""
    found = []
    for pid in children(root):
        line = cmdline(pid)
        if b"spawn_main" in line:
            found.append(pid)
        elif b"forkserver" in line:
            found.extend(children(pid))
    return found


def drain(grace: float = 30.0, requests: int = 4) -> dict[str, Any]:
    """SIGTERM one second into ``requests`` concurrent whole syntheses; what each of them got."""
    results: list[Any] = []
    with Server({"SHENGQING_CONCURRENCY": "2", "SHENGQING_QUEUE": "8", "SHENGQING_CACHE_URL": "off",
                 "SHENGQING_SHUTDOWN_GRACE": str(grace)}) as server:

        def client() -> None:
            start = time.monotonic()
            try:
                r = httpx.post(server.url + "/tts", json={"text": TEXT * 4, "format": "pcm"}, timeout=120)
                results.append((r.status_code, round(time.monotonic() - start, 2)))
            except httpx.HTTPError as exc:
                results.append((type(exc).__name__, round(time.monotonic() - start, 2)))

        threads = [threading.Thread(target=client) for _ in range(requests)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join()
        server.process.wait(grace + 30)
        return {"grace_s": grace, "results": results, "exit_after_s": round(time.monotonic() - signalled, 2),
                "completed": sum(1 for status, _ in results if status == 200)}


def with_fuzz(results: dict[str, Any]) -> dict[str, Any]:
    """The soak's figures plus those of the last full fuzz run (``./run.sh fuzz``), when there is one."""
    path = ROOT / "benchmarks" / "results" / "fuzz.json"
    if not path.is_file():
        return results
    return {**results, "fuzz": json.loads(path.read_text(encoding="utf-8"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced run (seconds; no schemathesis)")
    parser.add_argument("--examples", type=int, default=400, help="schemathesis examples per operation")
    parser.add_argument("--schemathesis", default=shutil.which("schemathesis") or shutil.which("st"),
                        help="the schemathesis command (default: from PATH)")
    parser.add_argument("--only", action="append", default=None, help="run only these phases")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "soak.json")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "reliability.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the JSON")
    args = parser.parse_args(argv)
    if args.report_only:
        args.doc.write_text(report(with_fuzz(json.loads(args.out.read_text(encoding="utf-8")))),
                            encoding="utf-8")
        return 0
    quick = args.quick
    phases = {
        "hostile": lambda: hostile(8 if quick else 60),
        "overload": lambda: overload(8, timeout=4) if quick else overload(60),
        "redis": lambda: redis_hung(10 if quick else 40),
        "schemathesis": lambda: schemathesis_run(args.examples, args.schemathesis),
        "sigkill": sigkill_worker,
        "drain": lambda: drain(30.0, 2 if quick else 4),
    }
    chosen = args.only or [p for p in phases if not (p == "schemathesis" and (quick or not args.schemathesis))]
    results: dict[str, Any] = {}
    if args.only and args.out.is_file():  # a partial run updates the phases it ran
        results = json.loads(args.out.read_text(encoding="utf-8"))
    results.update({"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, load average "
                               f"{os.getloadavg()[0]:.1f} at the start (the machine is shared)"})
    for name in chosen:
        print(f"soak: {name} …", file=sys.stderr, flush=True)
        results[name] = phases[name]()
        print(json.dumps(results[name], ensure_ascii=False), file=sys.stderr, flush=True)
    if not quick:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        args.doc.write_text(report(with_fuzz(results)), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
