"""The committed golden manifests: this build reproduces them bit for bit.

``golden/default-portable.json`` is the default (portable) mode: every item is re-rendered and must match
byte for byte, PCM and every encoding; it is also what the cross-platform run (``./run.sh cross-platform``)
checks on other CPUs. ``golden/default-reference.json`` is LiteRT's reference kernels (the audit mode): a
subset is re-rendered (reference kernels are ~10× slower; ``SHENGQING_VERIFY_FULL=1`` checks every item).
The fast kernels must be at least equivalent to the portable golden.

Opus too: its libopus runs as WebAssembly (``shengqing._opus``), the same arithmetic on every CPU, so there is
no exception by CPU model any more (until 2026-12-02 a native libopus's approximate reciprocals made the opus
bytes follow the CPU; docs/platforms.md).

Regenerate (after an intended change to the model, frontend, emotions or encoders)::

    python -m shengqing.cli verify snapshot --suite default --kernels portable -o golden/default-portable.json
    python -m shengqing.cli verify snapshot --suite default --kernels reference -o golden/default-reference.json
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from verify_helpers import GOLDEN, GOLDEN_REFERENCE

from shengqing.verify.acoustics import fingerprint
from shengqing.verify.compare import EQUIVALENT, IDENTICAL, Tolerance, classify
from shengqing.verify.manifest import load_manifest
from shengqing.verify.suite import default_suite

REGENERATE = ("regenerate it: python -m shengqing.cli verify snapshot --suite default --kernels portable "
              "-o golden/default-portable.json, and the same with --kernels reference -o "
              "golden/default-reference.json (and say why in the commit)")
FULL = os.environ.get("SHENGQING_VERIFY_FULL") == "1"
#: texts whose every golden item is rendered with reference kernels (one synthesis per text and options)
REFERENCE_TEXTS = ("你好，欢迎使用语音合成服务。",)


def _load(path: Any) -> dict[str, Any]:
    if not path.is_file():
        pytest.fail(f"{path} is missing; {REGENERATE}")
    return load_manifest(path)


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return _load(GOLDEN)


@pytest.fixture(scope="module")
def golden_reference() -> dict[str, Any]:
    return _load(GOLDEN_REFERENCE)


def groups(manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Golden items grouped by everything but the format: one synthesis serves the whole group."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in manifest["items"]:
        request = {k: v for k, v in item["request"].items() if k != "format"}
        grouped[json.dumps(request, sort_keys=True, ensure_ascii=False)].append(item)
    return grouped


def render_group(engine: Any, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    request = items[0]["request"]
    audio = engine.synthesize(request["text"], ssml=request["ssml"],
                              **{k: request[k] for k in ("emotion", "speed", "intensity", "pitch", "volume")})
    pcm = audio.pcm_bytes()
    return {item["id"]: {"request": item["request"], "pcm_sha256": hashlib.sha256(pcm).hexdigest(),
                         "encoded_sha256": hashlib.sha256(audio.encode(item["request"]["format"])).hexdigest(),
                         "fingerprint": fingerprint(audio.samples).to_dict()} for item in items}


def accepted(status: str) -> bool:
    return status.startswith(IDENTICAL)


def check(engine: Any, golden: dict[str, Any], select: Callable[[list[dict[str, Any]]], bool]) -> dict[str, str]:
    tolerance = Tolerance.from_dict(golden["tolerance"])
    statuses: dict[str, str] = {}
    for items in groups(golden).values():
        if not select(items):
            continue
        for item_id, record in render_group(engine, items).items():
            golden_item = next(i for i in items if i["id"] == item_id)
            verdict = classify(item_id, golden_item, record, tolerance)
            statuses[item_id] = f"{verdict.status} {'; '.join(verdict.reasons)}".strip()
    return statuses


@pytest.mark.parametrize("which", ["portable", "reference"])
def test_golden_matches_this_build(golden: dict[str, Any], golden_reference: dict[str, Any], installed_model: Any,
                                   which: str) -> None:
    manifest = golden if which == "portable" else golden_reference
    assert manifest["environment"]["kernels"] == which
    assert manifest["suite"] == default_suite().to_dict(), f"the default suite changed; {REGENERATE}"
    assert manifest["environment"]["model"]["fingerprint"] == installed_model.fingerprint, \
        f"the model changed; {REGENERATE}"
    assert not [i["id"] for i in manifest["items"] if "error" in i]


def test_portable_kernels_reproduce_the_golden_bit_for_bit(golden: dict[str, Any], engine: Any) -> None:
    statuses = check(engine, golden, lambda items: True)
    assert len(statuses) == len(golden["items"])
    wrong = {k: v for k, v in statuses.items() if not accepted(v)}
    assert not wrong, f"default-mode output no longer matches the golden: {wrong}; if intended, {REGENERATE}"


def test_reference_kernels_reproduce_their_golden_bit_for_bit(golden_reference: dict[str, Any],
                                                              reference_engine: Any) -> None:
    statuses = check(reference_engine, golden_reference,
                     lambda items: FULL or items[0]["request"]["text"] in REFERENCE_TEXTS)
    assert len(statuses) >= 4  # wav, mp3, opus and flac of the first sentence at least
    wrong = {k: v for k, v in statuses.items() if not accepted(v)}
    assert not wrong, f"reference output no longer matches the golden: {wrong}; if intended, {REGENERATE}"


def test_fast_kernels_are_at_least_equivalent(golden: dict[str, Any], fast_engine: Any) -> None:
    statuses = check(fast_engine, golden, lambda items: FULL or items[0]["fingerprint"]["duration"] < 5.0)
    assert len(statuses) >= 20
    wrong = {k: v for k, v in statuses.items() if not v.startswith((IDENTICAL, EQUIVALENT))}
    assert not wrong, f"fast kernels drifted beyond the tolerance: {wrong}"
