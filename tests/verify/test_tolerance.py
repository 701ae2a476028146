"""The equivalence measure: identical, perturbed within tolerance, and clearly different signals."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from shengqing.verify.acoustics import FLOOR_DB, Fingerprint, f0_median, fingerprint, logmel_distance, snr_db
from shengqing.verify.compare import DIFFERENT, EQUIVALENT, IDENTICAL, Tolerance, classify, environment_differences
from shengqing.verify.manifest import sha256

TEXT = "我一个人走在雨夜里，感觉有点孤单。"


@pytest.fixture(scope="module")
def speech(engine: Any) -> np.ndarray:
    samples: np.ndarray = engine.synthesize(TEXT).samples
    return samples


def record(samples: np.ndarray) -> dict[str, Any]:
    pcm = samples.astype("<i2").tobytes()
    return {"request": {"format": "pcm"}, "pcm_sha256": sha256(pcm), "encoded_sha256": sha256(pcm),
            "fingerprint": fingerprint(samples).to_dict()}


def with_noise(samples: np.ndarray, snr: float, seed: int = 0) -> np.ndarray:
    signal = samples.astype(np.float64)
    power = float(np.mean(signal**2))
    noise = np.random.default_rng(seed).standard_normal(len(signal)) * math.sqrt(power / 10 ** (snr / 10))
    noisy: np.ndarray = np.clip(np.rint(signal + noise), -32768, 32767).astype(np.int16)
    return noisy


def verdict(a: np.ndarray, b: np.ndarray) -> str:
    return classify("x", record(a), record(b), Tolerance()).status


def test_identical(speech: np.ndarray) -> None:
    assert verdict(speech, speech.copy()) == IDENTICAL


def test_noise_at_60_db_is_equivalent_and_at_20_db_different(speech: np.ndarray) -> None:
    assert snr_db(speech, with_noise(speech, 60)) == pytest.approx(60, abs=0.5)
    assert verdict(speech, with_noise(speech, 60)) == EQUIVALENT
    assert verdict(speech, with_noise(speech, 40)) == EQUIVALENT
    result = classify("x", record(speech), record(with_noise(speech, 20)), Tolerance())
    assert result.status == DIFFERENT
    assert any("log-mel" in reason for reason in result.reasons)


def test_level_change_is_different(speech: np.ndarray) -> None:
    quieter = (speech.astype(np.float64) * 10 ** (-3 / 20)).astype(np.int16)
    result = classify("x", record(speech), record(quieter), Tolerance())
    assert result.status == DIFFERENT and any("band energy" in r for r in result.reasons)


def test_changed_options_are_different(engine: Any, speech: np.ndarray) -> None:
    higher = engine.synthesize(TEXT, pitch=3.0).samples
    faster = engine.synthesize(TEXT, speed=1.25).samples
    other = engine.synthesize("你好，欢迎使用语音合成服务。").samples
    assert verdict(speech, higher) == DIFFERENT
    assert verdict(speech, faster) == DIFFERENT
    assert verdict(speech, other) == DIFFERENT


def test_same_pcm_other_container_is_equivalent(speech: np.ndarray) -> None:
    a, b = record(speech), record(speech)
    b["encoded_sha256"] = "0" * 64
    result = classify("x", a, b, Tolerance())
    assert result.status == EQUIVALENT and "encoder" in result.reasons[0]


def test_fingerprint_round_trip_and_f0(speech: np.ndarray) -> None:
    fp = fingerprint(speech)
    again = Fingerprint.from_dict(fp.to_dict())
    assert again == fp
    assert fp.contour_db().min() >= FLOOR_DB
    assert 120 < fp.f0_median_hz < 400  # a female voice
    tone = (8000 * np.sin(2 * np.pi * 220.0 * np.arange(24000) / 24000)).astype(np.int16)
    assert f0_median(tone) == pytest.approx(220.0, rel=0.01)
    assert f0_median(np.zeros(24000, np.int16)) == 0.0


def test_logmel_distance_aligns_small_shifts(speech: np.ndarray) -> None:
    contour = fingerprint(speech).contour_db()
    assert logmel_distance(contour, contour) == 0.0
    shifted = fingerprint(np.concatenate([np.zeros(300, np.int16), speech])).contour_db()
    assert logmel_distance(contour, shifted) < Tolerance().logmel_db
    assert logmel_distance(contour, contour[:0]) == math.inf


def test_environment_differences_name_the_cause() -> None:
    base = {"version": "0.1.0", "kernels": "fast", "model": {"fingerprint": "a" * 64, "sha256": {"m": "b" * 64}},
            "runtime": {"ai-edge-litert": "2.3.0"}, "cpu": {"simd_flags": ["avx", "avx2"], "model": "X"}}
    other = {"version": "0.1.0", "kernels": "reference", "model": {"fingerprint": "c" * 64, "sha256": {"m": "d" * 64}},
             "runtime": {"ai-edge-litert": "2.4.0"}, "cpu": {"simd_flags": ["avx", "avx512f"], "model": "X"}}
    lines = environment_differences(base, other)
    text = "\n".join(lines)
    assert "kernel mode: fast → reference" in text
    assert "model fingerprint: aaaaaaaaaaaa → cccccccccccc" in text
    assert "library ai-edge-litert: 2.3.0 → 2.4.0" in text
    assert "CPU SIMD flags: +avx512f -avx2" in text
    assert environment_differences(base, base) == []
