"""Self-check: does this machine reproduce the reference bytes of the default (portable) mode?

The portable mode promises the same PCM on every CPU (docs/consistency.md); the cross-platform harness proves it
on the machines it emulates. A server in a mixed fleet proves it for its own machine at start-up: it renders a
request of the golden suite that goes through every stage — an emotion with a pitch shift (the emotion factors,
the mel warp, level and tilt), ~4 s of audio — and compares its PCM sha256 with the one recorded in
``golden/default-portable.json`` (copied into ``data/selfcheck.json``; a test keeps the two equal). A node whose
numpy, BLAS or libm break the promise is then caught before it serves, not by an audit of cached audio.

Only the PCM is compared: every encoded format is a function of it (opus too: its libopus runs as
WebAssembly, the same arithmetic on every CPU).
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compare import DIFFERENT, IDENTICAL
from .suite import SuiteItem

SKIPPED = "skipped"

__all__ = ["DIFFERENT", "IDENTICAL", "SKIPPED", "CheckedItem", "SelfCheck", "reference", "run_self_check"]

_REFERENCE = Path(__file__).resolve().parent.parent / "data" / "selfcheck.json"


@dataclass(frozen=True)
class CheckedItem:
    """One reference request: its golden id, the PCM sha256 recorded and the one rendered here."""

    id: str
    expected: str
    actual: str

    @property
    def identical(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True)
class SelfCheck:
    """The outcome: ``status`` is identical, different or skipped (the reason says why)."""

    status: str
    reason: str
    seconds: float = 0.0
    items: tuple[CheckedItem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "seconds": round(self.seconds, 3),
                "items": [{"id": i.id, "expected_pcm_sha256": i.expected, "pcm_sha256": i.actual,
                           "identical": i.identical} for i in self.items]}


@functools.cache
def reference() -> dict[str, Any]:
    """The recorded requests and hashes (``data/selfcheck.json``)."""
    data: dict[str, Any] = json.loads(_REFERENCE.read_text(encoding="utf-8"))
    return data


def run_self_check(engine: Any) -> SelfCheck:
    """Render the reference requests on ``engine`` (anything with ``stream``, ``kernels`` and
    ``model.fingerprint``, such as :class:`~shengqing.engine.Synthesizer`) and compare their PCM."""
    ref = reference()
    kernels, fingerprint = str(engine.kernels), str(engine.model.fingerprint)
    if kernels != ref["kernels"]:
        return SelfCheck(SKIPPED, f"the {kernels} kernels promise the same bytes only on CPUs that take the same "
                                  f"code paths; the check runs in the {ref['kernels']} mode")
    if fingerprint != ref["model_fingerprint"]:
        return SelfCheck(SKIPPED, f"no reference bytes for model {fingerprint[:12]} (they are recorded for "
                                  f"{ref['model_name']}, {ref['model_fingerprint'][:12]})")
    start = time.perf_counter()
    items = []
    for item in ref["items"]:
        request = SuiteItem(**item["request"])
        digest = hashlib.sha256()
        for chunk in engine.stream(request.text, ssml=request.ssml, **request.options()):
            digest.update(chunk.samples.astype("<i2").tobytes())
        items.append(CheckedItem(item["id"], item["pcm_sha256"], digest.hexdigest()))
    seconds = time.perf_counter() - start
    wrong = [i.id for i in items if not i.identical]
    if wrong:
        return SelfCheck(DIFFERENT, f"this machine renders other PCM than the reference for {', '.join(wrong)}: "
                                    "its audio will not match other machines' byte for byte (see "
                                    "docs/consistency.md)", seconds, tuple(items))
    count = f"{len(items)} reference request{'s' if len(items) > 1 else ''}"
    return SelfCheck(IDENTICAL, f"{count} rendered to the recorded PCM bytes",
                     seconds, tuple(items))
