"""Emotion presets and prosody controls: unit tests, and the proof of issue 4 measured on the output audio.

The audio tests synthesize the three seed sentences and five more from ``shared/data/texts/standard.txt``
and measure every variant against neutral for the same text with an independent pitch tracker
(``librosa.pyin`` on the audio resampled to 16 kHz), never with the model's own f0. Thresholds are on the
mean over the eight sentences; docs/emotions.md lists the measured values.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest

from shared_helpers import SEED_SENTENCES, standard_texts
from shengqing import emotion, pitch
from shengqing.errors import InvalidOptionError
from shengqing.options import SynthesisOptions

SR = 24000
OTHER_TEXT_LINES = (7, 8, 9, 13, 15)  # indices into standard_texts(): five sentences beyond the seeds
PHONES = ("sil", "n", "i2", "#0", "h", "ao3", "#3", "sh", "iii4", "#1", "j", "ie4", "sil", "eos")


# -- unit tests ---------------------------------------------------------------------------------------
def test_aliases_and_names() -> None:
    for alias, name in [("开心", "happy"), ("高兴", "happy"), ("悲伤", "sad"), ("难过", "sad"),
                        ("生气", "angry"), ("愤怒", "angry"), ("害怕", "fear"), ("恐惧", "fear"),
                        ("厌恶", "hate"),
                        ("disgust", "hate"), ("惊讶", "surprise"), ("温柔", "gentle"), ("严肃", "serious"),
                        ("中性", "neutral"), (" Happy ", "happy")]:
        assert emotion.canonical_emotion(alias) == name
    with pytest.raises(InvalidOptionError):
        emotion.canonical_emotion("joyful")
    assert set(emotion.PRESETS) == set(emotion.EMOTIONS)


def test_describe_presets_lists_every_parameter() -> None:
    described = emotion.describe_presets()
    assert list(described) == list(emotion.EMOTIONS)
    for params in described.values():
        assert {"pitch_st", "range", "duration", "energy", "final_st", "glide_st", "gain_db"} <= set(params)


def test_syllable_index() -> None:
    index, count = emotion.syllable_index(PHONES)
    assert count == 4
    assert list(index) == [-1, 0, 0, -1, 1, 1, -1, 2, 2, -1, 3, 3, -1, -1]


@pytest.mark.parametrize("name", emotion.EMOTIONS)
def test_intensity_zero_is_neutral(name: str) -> None:
    opts = SynthesisOptions(emotion=name, intensity=0.0)
    controls = emotion.phrase_controls(PHONES, opts)
    neutral = emotion.phrase_controls(PHONES, SynthesisOptions())
    for field in ("f0_scale", "f0_shift", "energy_scale", "energy_shift", "duration_scale"):
        assert getattr(controls, field).tobytes() == getattr(neutral, field).tobytes()
    mel = np.random.default_rng(0).normal(size=(20, 80)).astype(np.float32)
    assert emotion.transform_mel(mel, opts) is mel


def test_intensity_scales_linearly_and_geometrically() -> None:
    base = emotion.PRESETS["sad"]
    double = base.at(2.0)
    assert double.pitch_st == pytest.approx(2 * base.pitch_st)
    assert double.duration == pytest.approx(base.duration ** 2)
    assert double.range == pytest.approx(base.range ** 2)


@pytest.mark.parametrize("name", emotion.EMOTIONS[1:])
def test_controls_have_one_value_per_id_within_limits(name: str) -> None:
    for intensity in (0.5, 1.0, 2.0):
        c = emotion.phrase_controls(PHONES, SynthesisOptions(emotion=name, intensity=intensity),
                                    final_punct="？", sentence_end=True)
        assert len(c) == len(PHONES)
        assert c.duration_scale[-1] == 1.0  # eos
        low, high = emotion.SHIFT_LIMITS
        assert np.all((c.f0_shift >= low) & (c.f0_shift <= high))
        assert np.all(c.duration_scale > 0)


def test_split_pitch_and_mel_warp_identity() -> None:
    assert emotion.split_pitch(1.0) == (1.0, 0.0)
    model, warp = emotion.split_pitch(3.4)
    assert model == emotion.MODEL_MAX_ST and warp == pytest.approx(3.4 - emotion.MODEL_MAX_ST)
    mel = np.random.default_rng(1).normal(size=(10, 80)).astype(np.float32)
    assert pitch.shift_pitch(mel, 0.0) is mel
    shifted = pitch.shift_pitch(mel, 4.0)
    assert shifted.shape == mel.shape and shifted.dtype == np.float32
    # the smooth envelope is kept: the band-averaged level per frame barely moves
    assert np.allclose(shifted.mean(axis=1), mel.mean(axis=1), atol=0.15)
    # = librosa.mel_frequencies(82, fmin=80, fmax=7600)[1:-1]
    assert np.allclose(pitch.band_centres()[[0, -1]], [115.6, 7325.8], rtol=0.001)


# -- measurements on the output audio -------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    median_st: float   # F0 median, semitones re 100 Hz (voiced frames)
    spread_st: float   # F0 5–95 percentile range, semitones
    duration: float    # seconds of audio
    rms_db: float      # level of the speech frames (within 35 dB of the loudest frame)
    final_st: float    # F0 movement over the last voiced run: median of its last 5 frames − first 5
    voiced: float      # voiced fraction (pYIN) of the speech frames (pauses excluded)
    peak: int          # largest |sample|


def measure(samples: np.ndarray) -> Measure:
    import librosa

    y = samples.astype(np.float32) / 32768
    y16 = librosa.resample(y, orig_sr=SR, target_sr=16000, res_type="soxr_hq")
    f0, voiced, _ = librosa.pyin(y16, fmin=60, fmax=600, sr=16000, frame_length=1024, hop_length=160,
                                 resolution=0.25)
    st = 12 * np.log2(f0[voiced] / 100.0)
    rms = librosa.feature.rms(y=y, frame_length=1200, hop_length=300)[0]
    db = 20 * np.log10(rms + 1e-9)
    active = db > db.max() - 35
    idx = np.flatnonzero(voiced)
    runs = [r for r in np.split(idx, np.flatnonzero(np.diff(idx) > 3) + 1) if len(r) >= 5]
    last = 12 * np.log2(f0[runs[-1]] / 100.0)
    return Measure(float(np.median(st)), float(np.percentile(st, 95) - np.percentile(st, 5)), len(y) / SR,
                   float(10 * np.log10(np.mean(rms[active] ** 2))), float(np.median(last[-5:]) -
                                                                         np.median(last[:5])),
                   float(voiced.sum() * 0.01 / (active.sum() * 300 / SR)),
                   int(np.abs(samples.astype(np.int32)).max()))


VARIANTS: dict[str, dict[str, object]] = {
    **{name: {"emotion": name} for name in emotion.EMOTIONS},
    "happy@2": {"emotion": "happy", "intensity": 2.0}, "sad@2": {"emotion": "sad", "intensity": 2.0},
    "angry@2": {"emotion": "angry", "intensity": 2.0}, "pitch+3": {"pitch": 3.0},
}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = standard_texts()
    return [*SEED_SENTENCES, *(lines[i] for i in OTHER_TEXT_LINES)]


@pytest.fixture(scope="module")
def measured(engine: object, texts: list[str]) -> dict[str, list[Measure]]:
    out: dict[str, list[Measure]] = {name: [] for name in VARIANTS}
    for text in texts:
        for name, kwargs in VARIANTS.items():
            out[name].append(measure(engine.synthesize(text, **kwargs).samples))  # type: ignore[attr-defined]
    return out


def delta(measured: dict[str, list[Measure]], name: str, what: str) -> float:
    """Mean over the sentences of ``name`` − neutral (st, dB) or ``name`` / neutral − 1 (spread, duration)."""
    pairs = zip(measured[name], measured["neutral"], strict=True)
    if what in ("spread_st", "duration"):
        return float(np.mean([getattr(m, what) / getattr(n, what) - 1 for m, n in pairs]))
    return float(np.mean([getattr(m, what) - getattr(n, what) for m, n in pairs]))


def profile(measured: dict[str, list[Measure]], name: str) -> np.ndarray:
    """(median st, spread, duration, RMS, final movement) vs neutral, each divided by its unit of
    distinctness: 1 st, 10 %, 5 %, 1.5 dB, 1.5 st."""
    return np.array([delta(measured, name, "median_st") / 1.0, delta(measured, name, "spread_st") / 0.10,
                     delta(measured, name, "duration") / 0.05, delta(measured, name, "rms_db") / 1.5,
                     delta(measured, name, "final_st") / 1.5])


@pytest.mark.slow
def test_happy(measured: dict[str, list[Measure]]) -> None:
    assert delta(measured, "happy", "median_st") >= 2.0
    assert delta(measured, "happy", "spread_st") >= 0.25


@pytest.mark.slow
def test_sad(measured: dict[str, list[Measure]]) -> None:
    assert delta(measured, "sad", "median_st") <= -1.0
    assert delta(measured, "sad", "duration") >= 0.15
    assert delta(measured, "sad", "rms_db") <= -2.0


@pytest.mark.slow
def test_angry(measured: dict[str, list[Measure]]) -> None:
    assert delta(measured, "angry", "rms_db") >= 3.0
    assert delta(measured, "angry", "duration") <= -0.08


@pytest.mark.slow
def test_fear_and_hate(measured: dict[str, list[Measure]]) -> None:
    assert delta(measured, "fear", "median_st") >= 2.5
    assert delta(measured, "hate", "median_st") <= -1.0


@pytest.mark.slow
def test_surprise_wide_with_rising_final_syllable(measured: dict[str, list[Measure]]) -> None:
    assert delta(measured, "surprise", "spread_st") >= 0.30
    # the final syllable moves up against what neutral does on the same syllable (lexical tones kept)
    assert delta(measured, "surprise", "final_st") >= 1.5
    assert np.mean([m.final_st for m in measured["surprise"]]) > 0


@pytest.mark.slow
def test_every_profile_is_distinct(measured: dict[str, list[Measure]]) -> None:
    profiles = {name: profile(measured, name) for name in emotion.EMOTIONS}
    for a, b in itertools.combinations(emotion.EMOTIONS, 2):
        distance = float(np.linalg.norm(profiles[a] - profiles[b]))
        assert distance >= 1.5, (a, b, distance)


@pytest.mark.slow
def test_explicit_pitch(measured: dict[str, list[Measure]]) -> None:
    assert delta(measured, "pitch+3", "median_st") == pytest.approx(3.0, abs=0.5)


@pytest.mark.slow
def test_intensity_two_moves_further(measured: dict[str, list[Measure]]) -> None:
    for name, what in [("happy", "median_st"), ("happy", "spread_st"), ("sad", "median_st"),
                       ("sad", "duration"), ("angry", "rms_db"), ("angry", "duration")]:
        one, two = delta(measured, name, what), delta(measured, f"{name}@2", what)
        assert abs(two) > abs(one) and math.copysign(1, two) == math.copysign(1, one), (name, what, one, two)


@pytest.mark.slow
def test_no_clipping_and_still_speech(measured: dict[str, list[Measure]]) -> None:
    for name, values in measured.items():
        ratios = [m.voiced / n.voiced for m, n in zip(values, measured["neutral"], strict=True)]
        assert max(m.peak for m in values) < 32767, name
        if "@2" in name:  # intensity 2.0 is a caricature: checked loosely
            assert np.mean(ratios) >= 0.7, (name, ratios)
            continue
        assert abs(np.mean(ratios) - 1) <= 0.15, (name, ratios)
        assert min(ratios) >= 0.75, (name, ratios)


@pytest.mark.slow
def test_speed(engine: object, texts: list[str]) -> None:
    ratios = [len(engine.synthesize(t, speed=1.5).samples) /  # type: ignore[attr-defined]
              len(engine.synthesize(t).samples) for t in texts[:4]]  # type: ignore[attr-defined]
    assert float(np.mean(ratios)) - 1 == pytest.approx(-0.33, abs=0.05)


@pytest.mark.slow
def test_intensity_zero_bit_for_bit(engine: object) -> None:
    text = SEED_SENTENCES[1]
    neutral = engine.synthesize(text).samples  # type: ignore[attr-defined]
    for name in ("happy", "sad", "surprise"):
        audio = engine.synthesize(text, emotion=name, intensity=0.0)  # type: ignore[attr-defined]
        assert audio.samples.tobytes() == neutral.tobytes()
