"""Running a suite on a target, golden manifests, and checking a target against one.

A manifest is JSON without timestamps, so regenerating it on an unchanged build gives the same file::

    {"format": "shengqing-verify-manifest", "format_version": 1, "created_by": "shengqing 0.1.0",
     "target": "local:reference", "suite": {...}, "tolerance": {...}, "environment": {...},
     "items": [{"id", "request", "pcm_sha256", "encoded_sha256", "encoded_bytes", "fingerprint"} |
               {"id", "request", "error"}]}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import InvalidOptionError
from .acoustics import fingerprint
from .compare import ERROR, IDENTICAL, Tolerance, Verdict, classify, explain
from .suite import Suite, SuiteItem
from .targets import Target, TargetError

MANIFEST_FORMAT = "shengqing-verify-manifest"
MANIFEST_VERSION = 1
#: environment keys that change from request to request and are not recorded
_VOLATILE = ("ready",)

Progress = Callable[[str], None]


@dataclass
class SuiteRun:
    """The records of one suite on one target; ``samples`` keeps the PCM for waveform comparisons."""

    target: str
    environment: dict[str, Any]
    records: list[dict[str, Any]]
    headers: list[dict[str, str]] = field(default_factory=list)
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_item(target: Target, item: SuiteItem) -> tuple[dict[str, Any], dict[str, str], np.ndarray | None, float]:
    """One item's manifest record (or an error record), its response headers, its samples and seconds."""
    try:
        rendering = target.render(item)
    except TargetError as exc:
        return {"id": item.id, "request": item.request(), "error": str(exc)}, {}, None, 0.0
    samples = rendering.samples()
    record = {"id": item.id, "request": item.request(), "pcm_sha256": sha256(rendering.pcm),
              "encoded_sha256": sha256(rendering.encoded), "encoded_bytes": len(rendering.encoded),
              "fingerprint": fingerprint(samples).to_dict()}
    return record, rendering.headers, samples, rendering.seconds


def run_suite(target: Target, items: Sequence[SuiteItem], progress: Progress | None = None,
              keep_samples: bool = False) -> SuiteRun:
    """Render every item on ``target``; never raises for a failed item (it becomes an error record)."""
    environment = {k: v for k, v in target.environment().items() if k not in _VOLATILE}
    run = SuiteRun(target=target.name, environment=environment, records=[])
    for item in items:
        record, headers, samples, seconds = render_item(target, item)
        run.records.append(record)
        run.headers.append(headers)
        run.seconds += seconds
        if keep_samples and samples is not None:
            run.samples[item.id] = samples
        if progress is not None:
            progress(item.id)
    return run


def build_manifest(suite: Suite, run: SuiteRun, tolerance: Tolerance) -> dict[str, Any]:
    return {"format": MANIFEST_FORMAT, "format_version": MANIFEST_VERSION, "created_by": f"shengqing {__version__}",
            "target": run.target, "suite": suite.to_dict(), "tolerance": tolerance.to_dict(),
            "environment": run.environment, "items": run.records}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as stable, diff-friendly JSON (sorted keys, one item per line block, final newline)."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)
    if str(path) == "-":
        print(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


def load_manifest(path: Path) -> dict[str, Any]:
    """Read and check a manifest; a malformed one raises :class:`InvalidOptionError` naming the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidOptionError(f"manifest {path} does not exist", field="golden",
                                 hint="create one with `shengqing verify snapshot -o FILE`") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidOptionError(f"manifest {path} is not valid JSON: {exc}", field="golden") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise InvalidOptionError(f"{path} is not a shengqing verify manifest", field="golden")
    if data.get("format_version") != MANIFEST_VERSION:
        raise InvalidOptionError(f"manifest {path} has format version {data.get('format_version')!r}; "
                                 f"this shengqing reads version {MANIFEST_VERSION}", field="golden")
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i and "request" in i for i in items):
        raise InvalidOptionError(f"manifest {path} has malformed items", field="golden")
    for item in items:
        if "error" not in item and not {"pcm_sha256", "encoded_sha256", "fingerprint"} <= set(item):
            raise InvalidOptionError(f"manifest {path}: item {item['id']} lacks hashes or fingerprint",
                                     field="golden")
    return data


def manifest_items(manifest: dict[str, Any]) -> list[SuiteItem]:
    """The suite items of a manifest, rebuilt from each record's request (ids as recorded)."""
    try:
        return [SuiteItem(id=str(r["id"]), **r["request"]) for r in manifest["items"]]
    except TypeError as exc:
        raise InvalidOptionError(f"manifest request malformed: {exc}", field="golden") from None


@dataclass
class TargetReport:
    """One target checked against a manifest (or against another target)."""

    target: str
    environment: dict[str, Any]
    verdicts: list[Verdict]
    explanations: list[str]
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for verdict in self.verdicts:
            counts[verdict.status] = counts.get(verdict.status, 0) + 1
        return counts

    def passed(self, tolerant: bool) -> bool:
        allowed = {IDENTICAL, "equivalent"} if tolerant else {IDENTICAL}
        return all(v.status in allowed for v in self.verdicts)

    def to_dict(self, tolerant: bool) -> dict[str, Any]:
        return {"target": self.target, "passed": self.passed(tolerant), "counts": self.counts(),
                "explanations": self.explanations, "seconds": round(self.seconds, 2),
                "environment": self.environment, "items": [v.to_dict() for v in self.verdicts]}


def compare_runs(expected: dict[str, Any], run: SuiteRun, tolerance: Tolerance,
                 expected_samples: dict[str, np.ndarray] | None = None) -> TargetReport:
    """Classify every record of ``run`` against the manifest-like ``expected`` (items + environment)."""
    by_id = {str(r["id"]): r for r in expected["items"]}
    verdicts = []
    for record in run.records:
        golden = by_id.get(str(record["id"]))
        if golden is None:
            verdicts.append(Verdict(str(record["id"]), ERROR, ["not in the manifest"]))
            continue
        ref = (expected_samples or {}).get(str(record["id"]))
        verdicts.append(classify(str(record["id"]), golden, record, tolerance, ref, run.samples.get(record["id"])))
    explanations = explain(expected.get("environment", {}), run.environment, verdicts, run.headers)
    return TargetReport(run.target, run.environment, verdicts, explanations, run.seconds)
