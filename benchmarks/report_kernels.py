"""The kernel experiments (bare LiteRT) and "Where the time goes" sections of the benchmark report."""

from __future__ import annotations

from typing import Any

from report_format import fmt, fmt_s, ratio
from report_format import get as _get
from report_format import num as _num
from report_format import table as _table


def kernels_section(results: dict[str, Any]) -> list[str]:
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


def where_time_goes(results: dict[str, Any], loaded: bool) -> list[str]:
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
