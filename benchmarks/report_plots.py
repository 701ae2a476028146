"""The PNG plots of the benchmark report (matplotlib; none when it is missing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report_format import get as _get
from report_format import num as _num
from report_modes import modes_of, section


def write_plots(results: dict[str, Any], folder: Path) -> dict[str, str]:
    """Write the PNGs; returns name → file name (matplotlib missing → no plots)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}
    records = length_records(results)
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
        modes = modes_of(results)
        ax1.plot(clients, [lv["audio_s_per_s"] for lv in levels], "o-", color="#1f77b4",
                 label=f"audio-s / wall-s, {modes[0]}")
        for mode, marker in zip(modes[1:], "^vD", strict=False):  # the other kernel modes (one level or a few)
            other = _get(section(results, "server", mode), "throughput") or []
            ax1.plot([lv["clients"] for lv in other], [lv["audio_s_per_s"] for lv in other], marker + ":",
                     color="#2ca02c", label=f"audio-s / wall-s, {mode}")
        ax1.legend(fontsize=8, loc="upper left")
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


def length_records(results: dict[str, Any]) -> list[dict[str, Any]]:
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
