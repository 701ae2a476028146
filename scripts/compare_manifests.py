"""Classify every item of one verify manifest against another, offline, and summarise the measures.

    python scripts/compare_manifests.py golden/default-portable.json golden/default-reference.json

Prints the count per class (identical / equivalent / different) and mean, median and max of the aligned
log-mel distance, duration difference, median-F0 difference and largest band-energy difference, as
``shengqing verify`` measures them (docs/consistency.md). Used for the figures quoted there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from shengqing.verify.compare import Tolerance, classify
from shengqing.verify.manifest import load_manifest

MEASURES = ("logmel_db", "duration_diff_s", "f0_diff_cents", "band_max_diff_db")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("expected", type=Path)
    parser.add_argument("actual", type=Path)
    args = parser.parse_args()
    expected, actual = load_manifest(args.expected), load_manifest(args.actual)
    tolerance = Tolerance.from_dict(expected["tolerance"])
    others = {item["id"]: item for item in actual["items"]}
    classes: dict[str, int] = {}
    values: dict[str, list[float]] = {m: [] for m in MEASURES}
    for item in expected["items"]:
        verdict = classify(item["id"], item, others[item["id"]], tolerance)
        classes[verdict.status] = classes.get(verdict.status, 0) + 1
        if verdict.status == "different":
            print(f"{item['id']}: {'; '.join(verdict.reasons)}")
        for measure in MEASURES:
            found = verdict.metrics.get(measure)
            values[measure].append(abs(float(found)) if found is not None else 0.0)
    print(", ".join(f"{count} {status}" for status, count in sorted(classes.items())))
    for measure, found in values.items():
        print(f"{measure}: mean {statistics.fmean(found):.3f}, median {statistics.median(found):.3f}, "
              f"max {max(found):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
