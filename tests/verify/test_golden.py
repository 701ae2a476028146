"""The committed golden manifest: this build reproduces it bit for bit with reference kernels, and its fast
kernels are at least equivalent.

The reference check renders a subset (reference kernels are ~10× slower); ``SHENGQING_VERIFY_FULL=1`` checks
every item. Regenerate the golden (after an intended change to the model, frontend, emotions or encoders)::

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
from verify_helpers import GOLDEN

from shengqing.verify.acoustics import fingerprint
from shengqing.verify.compare import EQUIVALENT, IDENTICAL, Tolerance, classify
from shengqing.verify.manifest import load_manifest
from shengqing.verify.suite import default_suite

REGENERATE = ("regenerate it: python -m shengqing.cli verify snapshot --suite default --kernels reference "
              "-o golden/default-reference.json (and say why in the commit)")
FULL = os.environ.get("SHENGQING_VERIFY_FULL") == "1"
#: texts whose every golden item is rendered with reference kernels (one synthesis per text and options)
REFERENCE_TEXTS = ("你好，欢迎使用语音合成服务。",)


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    if not GOLDEN.is_file():
        pytest.fail(f"{GOLDEN} is missing; {REGENERATE}")
    return load_manifest(GOLDEN)


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


def test_golden_matches_this_build(golden: dict[str, Any], installed_model: Any) -> None:
    assert golden["environment"]["kernels"] == "reference"
    assert golden["suite"] == default_suite().to_dict(), f"the default suite changed; {REGENERATE}"
    assert golden["environment"]["model"]["fingerprint"] == installed_model.fingerprint, \
        f"the model changed; {REGENERATE}"
    assert not [i["id"] for i in golden["items"] if "error" in i]


def test_reference_kernels_reproduce_the_golden_bit_for_bit(golden: dict[str, Any], reference_engine: Any) -> None:
    statuses = check(reference_engine, golden, lambda items: FULL or items[0]["request"]["text"] in REFERENCE_TEXTS)
    assert len(statuses) >= 4  # wav, mp3, opus and flac of the first sentence at least
    wrong = {k: v for k, v in statuses.items() if not v.startswith(IDENTICAL)}
    assert not wrong, f"reference output no longer matches the golden: {wrong}; if intended, {REGENERATE}"


def test_fast_kernels_are_at_least_equivalent(golden: dict[str, Any], engine: Any) -> None:
    statuses = check(engine, golden, lambda items: FULL or items[0]["fingerprint"]["duration"] < 5.0)
    assert len(statuses) >= 20
    wrong = {k: v for k, v in statuses.items() if not v.startswith((IDENTICAL, EQUIVALENT))}
    assert not wrong, f"fast kernels drifted beyond the tolerance: {wrong}"
