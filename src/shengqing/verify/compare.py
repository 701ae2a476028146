"""Classifying a rendering against a recorded one, and explaining differences from the environments.

Classes (see ``docs/consistency.md``):

* **identical** — same PCM sha256 and same encoded-bytes sha256.
* **equivalent** — not bit-equal, but every measure is within :class:`Tolerance`: duration, aligned
  log-mel distance, median F0 and per-band energy. Same PCM with different container bytes is also
  *equivalent* (the encoder library differs).
* **different** — any measure outside the tolerance.
* **error** — the item could not be rendered (network error, timeout, HTTP error, non-audio body).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .acoustics import Fingerprint, logmel_distance, snr_db

IDENTICAL, EQUIVALENT, DIFFERENT, ERROR = "identical", "equivalent", "different", "error"


@dataclass(frozen=True)
class Tolerance:
    """Limits for *equivalent*; the defaults are calibrated on fast vs reference kernels (docs)."""

    # measured fast vs reference over standard.txt (17 lines): duration ≤ 0.075 s, log-mel ≤ 2.92 dB,
    # F0 ≤ 22 cents, bands ≤ 0.85 dB; white noise at 20 dB SNR: log-mel ≥ 3.9 dB (docs/consistency.md)
    duration_s: float = 0.15  # absolute duration difference allowed …
    duration_ratio: float = 0.01  # … or this fraction of the duration, whichever is larger
    logmel_db: float = 3.5  # aligned log-mel distance
    f0_cents: float = 50.0  # median F0 difference
    band_db: float = 2.0  # largest per-band energy difference

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tolerance:
        known = {k: float(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Verdict:
    """The classification of one item with the measures behind it."""

    id: str
    status: str
    reasons: list[str] = field(default_factory=list)
    metrics: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "reasons": self.reasons,
                "metrics": {k: _json_number(v) for k, v in self.metrics.items()}}


def _json_number(value: float | None) -> float | str | None:
    if value is None or math.isfinite(value):
        return value
    return "inf" if value > 0 else "-inf"


def measure(expected: Fingerprint, actual: Fingerprint) -> dict[str, float | None]:
    """Every measure between two fingerprints (the *expected* one is the golden or the first target)."""
    f0_cents: float | None = None
    if expected.f0_median_hz > 0 and actual.f0_median_hz > 0:
        f0_cents = round(1200.0 * math.log2(actual.f0_median_hz / expected.f0_median_hz), 1)
    bands = [abs(a - b) for a, b in zip(expected.band_db, actual.band_db, strict=False)]
    return {
        "duration_diff_s": round(actual.duration - expected.duration, 4),
        "logmel_db": logmel_distance(expected.contour_db(), actual.contour_db()),
        "f0_diff_cents": f0_cents,
        "band_max_diff_db": round(max(bands), 2) if bands else None,
    }


def classify(item_id: str, expected: dict[str, Any], actual: dict[str, Any], tolerance: Tolerance,
             expected_pcm: np.ndarray | None = None, actual_pcm: np.ndarray | None = None) -> Verdict:
    """Classify ``actual`` (a manifest item record) against ``expected``.

    When both waveforms are given (``compare`` of two live targets) the waveform SNR is reported too; it
    is informative only (different kernels give unrelated phase, so SNR is no equivalence criterion).
    """
    if "error" in actual:
        return Verdict(item_id, ERROR, [str(actual["error"])])
    if "error" in expected:
        return Verdict(item_id, ERROR, [f"the reference rendering failed: {expected['error']}"])
    same_pcm = expected["pcm_sha256"] == actual["pcm_sha256"]
    same_encoded = expected["encoded_sha256"] == actual["encoded_sha256"]
    if same_pcm and same_encoded:
        return Verdict(item_id, IDENTICAL, metrics={"snr_db": math.inf})
    if same_pcm:
        fmt = expected["request"]["format"]
        # every encoder is a function of the PCM on every CPU; other bytes mean another encoder build
        why = "another encoder build (libsndfile, libopus) made them: compare the manifests' runtime versions"
        return Verdict(item_id, EQUIVALENT, [f"same PCM, different {fmt} bytes ({why})"],
                       metrics={"snr_db": math.inf})
    metrics = measure(Fingerprint.from_dict(expected["fingerprint"]), Fingerprint.from_dict(actual["fingerprint"]))
    if expected_pcm is not None and actual_pcm is not None:
        metrics["snr_db"] = snr_db(expected_pcm, actual_pcm)
    reasons = _outside(metrics, float(expected["fingerprint"]["duration"]), tolerance)
    if reasons:
        return Verdict(item_id, DIFFERENT, reasons, metrics)
    return Verdict(item_id, EQUIVALENT, ["PCM differs within tolerance"], metrics)


def _outside(metrics: dict[str, float | None], duration: float, tol: Tolerance) -> list[str]:
    reasons = []
    allowed = max(tol.duration_s, tol.duration_ratio * duration)
    dur = metrics["duration_diff_s"]
    if dur is not None and abs(dur) > allowed:
        reasons.append(f"duration {dur:+.3f} s (allowed ±{allowed:.3f})")
    mel = metrics["logmel_db"]
    if mel is not None and mel > tol.logmel_db:
        reasons.append(f"log-mel distance {mel:.2f} dB (allowed {tol.logmel_db:g})")
    f0 = metrics["f0_diff_cents"]
    if f0 is not None and abs(f0) > tol.f0_cents:
        reasons.append(f"median F0 {f0:+.0f} cents (allowed ±{tol.f0_cents:g})")
    band = metrics["band_max_diff_db"]
    if band is not None and band > tol.band_db:
        reasons.append(f"band energy off by {band:.2f} dB (allowed {tol.band_db:g})")
    return reasons


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(data, list):
        return {prefix: ",".join(str(x) for x in data)}
    return {prefix: str(data)}


#: environment keys that can change the audio → how to name them in an explanation
_CAUSES: tuple[tuple[str, str], ...] = (
    ("kernels", "kernel mode"),
    ("model.fingerprint", "model fingerprint"),
    ("model.sha256.", "model file"),
    ("version", "shengqing version"),
    ("runtime.", "library"),
    ("cpu.simd_flags", "CPU SIMD flags"),
    ("cpu.model", "CPU model"),
    ("cpu.machine", "CPU architecture"),
    ("platform.machine", "machine"),
    ("platform.system", "operating system"),
    ("python.version", "Python version"),
)


def environment_differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable differences between two environment fingerprints that can change the audio."""
    if "error" in actual:
        return [f"target environment unknown: {actual['error']}"]
    if "error" in expected:
        return [f"recorded environment unknown: {expected['error']}"]
    old, new = _flatten(expected), _flatten(actual)
    lines = []
    for key in sorted(set(old) | set(new)):
        label = next((name for prefix, name in _CAUSES if key == prefix or
                      (prefix.endswith(".") and key.startswith(prefix))), None)
        if label is None or old.get(key) == new.get(key):
            continue
        detail = key.split(".", 1)[1] if label in ("library", "model file") else ""
        before, after = old.get(key, "absent"), new.get(key, "absent")
        if key == "cpu.simd_flags":
            gone = sorted(set(before.split(",")) - set(after.split(",")) - {""})
            added = sorted(set(after.split(",")) - set(before.split(",")) - {""})
            lines.append(f"{label}: " + " ".join([*(f"+{f}" for f in added), *(f"-{f}" for f in gone)]))
            continue
        if key.startswith("model") or key.endswith("sha256"):
            before, after = before[:12], after[:12]
        lines.append(f"{label}{' ' + detail if detail else ''}: {before} → {after}")
    return lines


def explain(expected_env: dict[str, Any], actual_env: dict[str, Any], verdicts: list[Verdict],
            headers: list[dict[str, str]]) -> list[str]:
    """Why a target's output may differ: environment differences, and per-response kernel/model headers."""
    lines = environment_differences(expected_env, actual_env)
    kernels = sorted({h["x-shengqing-kernels"] for h in headers if "x-shengqing-kernels" in h})
    if len(kernels) > 1:
        lines.append(f"responses came from different kernel modes: {', '.join(kernels)} (mixed fleet?)")
    models = sorted({h["x-model-fingerprint"][:12] for h in headers if "x-model-fingerprint" in h})
    if len(models) > 1:
        lines.append(f"responses came from different models: {', '.join(models)} (mixed fleet?)")
    mismatched = [v for v in verdicts if v.status in (EQUIVALENT, DIFFERENT)]
    if mismatched and not lines:
        lines.append("the environments match, yet the audio differs: the build is not deterministic "
                     "(a bug: please report it with both manifests)")
    if lines and all(v.status == IDENTICAL for v in verdicts):
        lines.insert(0, "(outputs match despite these environment differences)")
    return lines
