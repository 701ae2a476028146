"""Vocoding a phrase in windows gives the same samples whatever the cut (what makes stream == whole).

The other stream == whole tests compare a stream with a whole synthesis that the engine may cut the same
way; these compare *different* cuts of the same mel directly, so a context too small for the vocoder's
receptive field fails here (checked below by shrinking it on purpose).
"""

from __future__ import annotations

import numpy as np
import pytest

from shengqing import vocoder as vocoder_module

CUTS = (1, 2, 3, 7)


def phrase_mel(frames: int = 300) -> np.ndarray:
    """A speech-like log-mel: moving formant-ish bands over a falling floor, plus fixed noise (deterministic).
    Without the noise the mel is so smooth that the vocoder's mirror padding at a cut nearly continues it,
    and the 8-bit activations round the small edge effects away: even 4 frames of context gave the same
    samples, so the guard below could not fail."""
    t = np.arange(frames)[:, None] / 80.0
    bins = np.arange(80)[None, :] / 80.0
    bands = sum(np.exp(-((bins - (0.15 * k + 0.1 + 0.05 * np.sin(2.1 * t + k))) ** 2) / 0.002) for k in range(4))
    noise = 0.5 * np.random.default_rng(0).standard_normal((frames, 80))
    return (-4.0 + 3.0 * bands - 1.5 * bins + 0.3 * np.sin(7.0 * t) + noise).astype(np.float32)


def vocode_cuts(engine: object, mel: np.ndarray) -> dict[int, np.ndarray]:
    voc = engine._vocoder  # type: ignore[attr-defined]
    return {pieces: voc.vocode(mel, pieces) for pieces in CUTS}


def test_every_cut_gives_the_same_samples(engine: object) -> None:
    mel = phrase_mel()
    waves = vocode_cuts(engine, mel)
    for pieces, wave in waves.items():
        assert len(wave) == len(waves[1])
        assert np.array_equal(wave, waves[1]), f"{pieces} windows differ from one window"


def test_a_context_too_small_is_caught(engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the guarantee on purpose: with 8 frames of context the cuts must differ (else the test above
    could not catch a regression)."""
    monkeypatch.setattr(vocoder_module, "CONTEXT_FRAMES", 8)
    waves = vocode_cuts(engine, phrase_mel())
    assert any(not np.array_equal(wave, waves[1]) for wave in waves.values())


def receptive_frames(engine: object, frames: int = 120, probe: int = 60) -> float:
    """How far (in mel frames of output samples) one mel frame reaches, on the wider side: a NaN frame
    spreads to every sample that reads it, through every layer, whatever the data."""
    mel = phrase_mel(frames)
    mel[probe] = np.nan
    with np.errstate(invalid="ignore"):
        wave = engine._vocoder.vocode(mel, 1)  # type: ignore[attr-defined]
    touched = np.flatnonzero(np.isnan(wave))
    left = probe * vocoder_module.FRAME_SAMPLES - touched[0]
    right = touched[-1] + 1 - (probe + 1) * vocoder_module.FRAME_SAMPLES
    return float(max(left, right)) / vocoder_module.FRAME_SAMPLES


def test_context_is_the_receptive_field(engine: object) -> None:
    """Enough context for every cut, and no more: each frame of context is vocoded twice per cut."""
    reach = receptive_frames(engine)
    assert 0 < reach <= vocoder_module.CONTEXT_FRAMES
    assert int(np.ceil(reach)) == vocoder_module.CONTEXT_FRAMES, f"receptive field {reach:.2f} frames"
