"""Re-measure the emotion tables of docs/emotions.md on the output audio, in the current default mode.

    python scripts/emotion_effects.py [--kernels portable] [--out FILE.json]

Uses the tests' own measure (``tests/test_emotion.py``: pYIN on the audio resampled to 16 kHz) and their
variants, on the dev set (the three seed sentences and the five standard lines the tests use) and on the
held-out lines the presets were not tuned on (standard lines 4, 5, 6, 11, 13, 15, 17). Prints the
"Measured results" table, the closest profile pairs and the explicit-pitch table (three seed sentences)
as Markdown, and writes every number to ``--out``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

from shared_helpers import SEED_SENTENCES, standard_texts  # noqa: E402
from shengqing import Synthesizer, emotion  # noqa: E402
from test_emotion import OTHER_TEXT_LINES, VARIANTS, Measure, delta, measure, profile  # noqa: E402

HELD_OUT_LINES = (3, 4, 5, 10, 12, 14, 16)  # 0-based indices of standard lines 4, 5, 6, 11, 13, 15, 17
PITCHES = (-6, -4, -3, 3, 6)  # the accepted range is ±6 st
ROWS = [*emotion.EMOTIONS[1:], "pitch+3", "happy@2", "sad@2", "angry@2"]
LABELS = {"pitch+3": "`pitch=+3`", "happy@2": "happy ×2", "sad@2": "sad ×2", "angry@2": "angry ×2"}


def _measure_all(synth: Synthesizer, texts: list[str], variants: dict[str, dict[str, object]]
                 ) -> dict[str, list[Measure]]:
    out: dict[str, list[Measure]] = {name: [] for name in variants}
    for text in texts:
        for name, kwargs in variants.items():
            out[name].append(measure(synth.synthesize(text, **kwargs).samples))  # type: ignore[arg-type]
    return out


def _voiced_worst(measured: dict[str, list[Measure]], name: str) -> float:
    return min(float(m.voiced) / n.voiced for m, n in zip(measured[name], measured["neutral"], strict=True))


def _cell(sets: list[dict[str, list[Measure]]], name: str, what: str) -> str:
    values = [delta(s, name, what) for s in sets]
    if what in ("spread_st", "duration"):
        return " / ".join(f"{v * 100:+.0f} %" for v in values)
    if what == "rms_db":
        return " / ".join(f"{v:+.1f}" for v in values)
    return " / ".join(f"{v:+.2f}" if what == "median_st" else f"{v:+.1f}" for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", default="portable")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    lines = standard_texts()
    dev = [*SEED_SENTENCES, *(lines[i] for i in OTHER_TEXT_LINES)]
    held_out = [lines[i] for i in HELD_OUT_LINES]
    pitch_variants: dict[str, dict[str, object]] = {"neutral": {}, **{f"pitch{p:+d}": {"pitch": float(p)}
                                                                       for p in PITCHES}}
    start = time.monotonic()
    with Synthesizer(kernels=args.kernels, threads=2) as synth:
        sets = [_measure_all(synth, dev, VARIANTS), _measure_all(synth, held_out, VARIANTS)]
        pitches = _measure_all(synth, list(SEED_SENTENCES), pitch_variants)
    print(f"measured in {time.monotonic() - start:.0f} s, kernels {args.kernels}\n")
    print("| emotion | Δ median st (dev / held-out) | spread Δ | duration Δ | RMS Δ dB | final Δ st "
          "| voiced fraction vs neutral (worst sentence) |")
    print("|---|---|---|---|---|---|---|")
    for name in ROWS:
        cells = [_cell(sets, name, w) for w in ("median_st", "spread_st", "duration", "rms_db", "final_st")]
        if name == "pitch+3":
            cells[1:] = ["", "", "", ""]
        elif "@2" in name:
            cells[4] = ""
        voiced = " / ".join(f"{_voiced_worst(s, name):.2f}" for s in sets)
        print(f"| {LABELS.get(name, name)} | " + " | ".join(cells) + f" | {voiced} |")
    distances = []
    for which, measured in zip(("dev", "held-out"), sets, strict=True):
        profiles = {name: profile(measured, name) for name in emotion.EMOTIONS}
        pairs = sorted((float(np.linalg.norm(profiles[a] - profiles[b])), a, b)
                       for a, b in itertools.combinations(emotion.EMOTIONS, 2))
        distances.append({f"{a}-{b}": d for d, a, b in pairs})
        print(f"\nclosest pairs ({which}): " + ", ".join(f"{a}–{b} {d:.1f}" for d, a, b in pairs[:4]))
    print("\n| `pitch` | " + " | ".join(f"{p:+d}" for p in PITCHES) + " |")
    print("|---|" + "---|" * len(PITCHES))
    print("| measured Δ median (st) | " + " | ".join(f"{delta(pitches, f'pitch{p:+d}', 'median_st'):+.1f}"
                                                     for p in PITCHES) + " |")
    ratios = [float(np.mean([m.voiced / n.voiced for m, n in zip(pitches[f"pitch{p:+d}"], pitches["neutral"],
                                                                  strict=True)])) for p in PITCHES]
    print("| voiced fraction vs neutral | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    if args.out:
        report = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "kernels": args.kernels,
                  "sets": {which: {name: [vars(m) for m in values] for name, values in measured.items()}
                           for which, measured in zip(("dev", "held-out"), sets, strict=True)},
                  "pitch": {name: [vars(m) for m in values] for name, values in pitches.items()},
                  "profile_distances": dict(zip(("dev", "held-out"), distances, strict=True))}
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
