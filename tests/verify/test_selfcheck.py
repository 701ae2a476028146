"""The self-check: this machine against the reference bytes recorded in the golden manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shengqing.portable.numerics as nm
from shengqing.verify.selfcheck import DIFFERENT, IDENTICAL, SKIPPED, reference, run_self_check

ROOT = Path(__file__).resolve().parents[2]


def test_the_reference_is_the_golden_manifest() -> None:
    """Regenerating the golden manifest without the self-check's copy fails here (it would then fail on
    every machine)."""
    golden = json.loads((ROOT / "golden" / "default-portable.json").read_text(encoding="utf-8"))
    ref = reference()
    assert ref["kernels"] == golden["environment"]["kernels"] == "portable"
    assert ref["model_fingerprint"] == golden["environment"]["model"]["fingerprint"]
    by_id = {item["id"]: item for item in golden["items"]}
    assert len(ref["items"]) >= 1
    for item in ref["items"]:
        assert item["request"] == by_id[item["id"]]["request"]
        assert item["pcm_sha256"] == by_id[item["id"]]["pcm_sha256"]
    assert any(i["request"]["pitch"] != 0 and i["request"]["emotion"] != "neutral" for i in ref["items"])


def test_this_machine_reproduces_the_reference(engine: Any) -> None:
    result = run_self_check(engine)
    assert result.status == IDENTICAL, result.to_dict()
    assert [i.identical for i in result.items] == [True] * len(reference()["items"])


def test_a_machine_whose_products_round_is_caught(installed_model: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stands in for a CPU whose BLAS sums in single precision: the products are no longer exact."""
    from shengqing import Synthesizer

    def single_precision(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(np.float64)

    monkeypatch.setattr(nm, "matmul", single_precision)
    with Synthesizer(model=installed_model, kernels="portable", threads=1) as synth:
        result = run_self_check(synth)
    assert result.status == DIFFERENT
    assert "will not match" in result.reason and result.items[0].id in result.reason


def test_other_modes_and_models_are_skipped(fast_engine: Any) -> None:
    assert run_self_check(fast_engine).status == SKIPPED

    class OtherModel:
        fingerprint = "0" * 64

    class OtherEngine:
        kernels = "portable"
        model = OtherModel()

        def stream(self, *_: Any, **__: Any) -> Any:
            raise AssertionError("nothing to compare: must not render")

    result = run_self_check(OtherEngine())
    assert result.status == SKIPPED and "no reference bytes for model 000000000000" in result.reason


def test_cli_says_identical_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "shengqing.cli", "verify", "self"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("self-check identical: 1 reference request rendered"), done.stdout
