"""The reduced fuzz run (``scripts/fuzz.py``, 2,000 strings instead of 100,000): every string through the
frontend, the SSML parser, the request models and the real HTTP app; no 5xx, no unexpected exception.
Also checks that the harness itself finds and shrinks a failure (a harness that cannot fail proves
nothing)."""

from __future__ import annotations

from types import ModuleType

import pytest

from shared_helpers import load_script


@pytest.fixture(scope="module")
def fuzz(installed_model: object) -> ModuleType:
    return load_script("fuzz")


def test_two_thousand_strings_meet_no_unexpected_outcome(fuzz: ModuleType) -> None:
    result = fuzz.run(2000, seed=11, synthesize_every=400, progress=False)
    assert result["failures"] == [], [(f["layer"], f["failure"], f["minimal"]) for f in result["failures"]]
    assert result["calls"] == {"frontend": 2000, "ssml": 2000, "models": 2000, "http": 2000}
    assert result["distinct"] >= 1500
    http = result["outcomes"]["http"]
    assert any(k.startswith("200") for k in http) and any(k.startswith("422") for k in http), http
    assert not any(k.startswith("5") for k in http), http
    assert result["synthesized"] >= 1  # a sample went through the real model


def test_the_shrinker_keeps_only_what_the_failure_needs(fuzz: ModuleType) -> None:
    assert fuzz.shrink("今天<break time='1s'/>\ud800明天", lambda t: "\ud800" in t) == "\ud800"
    assert fuzz.shrink("ab7cd8ef", lambda t: "7" in t and "8" in t) == "78"


def test_an_injected_bug_is_reported_with_a_minimal_repro(fuzz: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    real = fuzz.Layers.models_layer

    def broken(self: object, text: str) -> str:
        if "7" in text:
            raise ZeroDivisionError("injected")
        return str(real(self, text))

    monkeypatch.setattr(fuzz.Layers, "models_layer", broken)
    result = fuzz.run(150, seed=5, synthesize_every=10**9, progress=False)
    [failure] = result["failures"]
    assert failure["layer"] == "models" and failure["failure"].startswith("ZeroDivisionError")
    assert failure["minimal"] == "7" and failure["inputs"] >= 1
