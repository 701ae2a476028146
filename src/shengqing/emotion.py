"""Emotion presets → per-phoneme prosody controls for the acoustic model, plus mel-domain touches.

The voice was trained on neutral read speech, so an emotion is rendered by steering the model's own
prosody predictors per phoneme (see :class:`~shengqing.acoustic.PhonemeControls`): the f0 fed to the f0
embedding (mean shift, range, a contour across the phrase and on its final syllable), the energy fed to the
energy embedding, and the durations (tempo, phrase-final lengthening, pauses). Then, before the vocoder,
:func:`transform_mel` adds what the model cannot render cleanly: the part of a pitch shift past the f0
route's saturation (explicit ``pitch`` and large preset shifts; :func:`shengqing.pitch.shift_pitch`), a small
level change and a spectral tilt (vocal effort). Nothing is done to the waveform.

Presets follow the direction of the cues summarised by Murray & Arnott (1993), Schröder (2001) and the
rules of Burkhardt's emofilt, tuned by measuring the output with pYIN; ``docs/emotions.md`` has the table,
the sources and the measured results. ``intensity`` scales shifts linearly and factors geometrically
(``factor ** intensity``): 0.0 is neutral bit for bit, 2.0 twice as far.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from . import pitch as melpitch
from .acoustic import PhonemeControls
from .options import ALIASES as ALIASES  # the names live with the options (re-exported here)
from .options import EMOTIONS as EMOTIONS
from .options import SynthesisOptions
from .options import canonical_emotion as canonical_emotion
from .portable import numerics as nm

#: Model f0 route: semitones obtained per unit of normalised ``f0_shift`` (pYIN on the output, averaged
#: over sentences; the route saturates near +3 st, so it is only used up to ``MODEL_MAX_ST``).
ST_PER_SHIFT_UP = 2.0
ST_PER_SHIFT_DOWN = 2.7
MODEL_MAX_ST = 1.6
MODEL_MIN_ST = -4.0
#: A shift on single syllables moves their pitch far less than a phrase-wide shift (context pulls it
#: back): semitones per unit for the local contour (slope and final syllable).
ST_PER_LOCAL_SHIFT = 1.0
#: Per-phoneme limits on what is sent to the model (beyond them the voice degrades).
SHIFT_LIMITS = (-1.5, 1.5)
SCALE_LIMITS = (0.3, 2.2)
DURATION_LIMITS = (0.4, 2.5)

_SILENT = frozenset({"sil", "eos", "pad"})


@dataclass(frozen=True)
class Preset:
    """One emotion at intensity 1.0 (shifts scale linearly with intensity, factors geometrically)."""

    pitch_st: float = 0.0      # mean F0 shift, semitones (model f0 route up to ±2 st, the rest mel warp)
    range: float = 1.0         # F0 range factor around the speaker's mean (f0_scale)
    slope_st: float = 0.0      # F0 change from the phrase's first to its last syllable (declination < 0)
    final_st: float = 0.0      # extra F0 on the phrase-final syllable (+ high end, − low end)
    glide_st: float = 0.0      # pitch glide across the final syllable (+ rising, − falling), mel warp
    duration: float = 1.0      # duration factor of every phone (> 1 slower)
    final_length: float = 1.0  # extra lengthening of the phrase-final syllable
    pause: float = 1.0         # factor on silences inside and around the phrase
    energy: float = 0.0        # energy shift (normalised units, +1.0 ≈ +2.6 dB)
    energy_range: float = 1.0  # energy contrast factor (energy_scale)
    gain_db: float = 0.0       # level change on speech frames in the mel (documented per emotion)
    tilt_db: float = 0.0       # spectral tilt: + brighter / tense, − darker / lax
    description: str = ""

    def is_neutral(self) -> bool:
        return all(getattr(self, f) == getattr(_NEUTRAL, f) for f in _NUMERIC)

    def at(self, intensity: float) -> Preset:
        """This preset at ``intensity`` (linear for shifts, geometric for factors)."""
        k = float(intensity)

        def lin(v: float) -> float:
            return v * k if k else 0.0

        def geo(v: float) -> float:
            # libm's pow can differ in the last bit between CPUs; the portable one cannot
            if not k or v == 1.0:
                return 1.0
            return v if k == 1.0 else float(nm.power(np.array(v), k))

        return Preset(lin(self.pitch_st), geo(self.range), lin(self.slope_st), lin(self.final_st),
                      lin(self.glide_st), geo(self.duration), geo(self.final_length), geo(self.pause),
                      lin(self.energy), geo(self.energy_range), lin(self.gain_db), lin(self.tilt_db),
                      self.description)


_NEUTRAL = Preset()
_NUMERIC = tuple(f for f in Preset.__dataclass_fields__ if f != "description")

PRESETS: dict[str, Preset] = {
    "neutral": Preset(description="the voice as trained: neutral read speech"),
    "happy": Preset(
        pitch_st=3.2, range=2.0, slope_st=0.6, final_st=1.0, glide_st=1.5, duration=0.93, final_length=1.1,
        pause=0.85, energy=0.5, energy_range=1.2, gain_db=1.5, tilt_db=1.5,
        description="higher, wider, livelier pitch, slightly faster, bright, high rising end"),
    "sad": Preset(
        pitch_st=-2.0, range=0.65, slope_st=-0.8, final_st=-1.0, glide_st=-1.5, duration=1.22,
        final_length=1.15, pause=1.35, energy=-0.45, energy_range=0.8, gain_db=-0.5, tilt_db=-1.5,
        description="lower, narrow, slow, soft and dark, long pauses, low falling end"),
    "angry": Preset(
        pitch_st=0.8, range=1.5, slope_st=-1.0, final_st=-0.6, glide_st=-1.5, duration=0.86,
        final_length=0.95, pause=0.75, energy=1.0, energy_range=1.3, gain_db=4.0, tilt_db=3.0,
        description="loud and tense, fast, wide range, high start and falling end"),
    "fear": Preset(
        pitch_st=3.4, range=1.1, slope_st=0.4, final_st=0.6, duration=0.92, pause=1.2, energy=-0.2,
        energy_range=0.9, gain_db=-0.5, tilt_db=1.0,
        description="much higher pitch, tense, fast with hesitant pauses"),
    "hate": Preset(
        pitch_st=-1.8, range=1.15, slope_st=-0.6, final_st=-1.2, glide_st=-1.5, duration=1.12,
        final_length=1.25, pause=1.1, energy=0.3, energy_range=1.15, gain_db=0.5, tilt_db=-1.0,
        description="low, slow and drawn out, grumbling, falling end (alias disgust)"),
    "surprise": Preset(
        pitch_st=1.8, range=2.1, slope_st=1.0, final_st=1.5, glide_st=7.0, duration=1.03, final_length=1.3,
        energy=0.4, energy_range=1.2, gain_db=0.5, tilt_db=1.0,
        description="wide range, strongly rising towards a high rising end"),
    "gentle": Preset(
        pitch_st=0.6, range=0.85, final_st=-0.3, duration=1.1, final_length=1.1, pause=1.15, energy=-0.4,
        energy_range=0.85, gain_db=-1.5, tilt_db=-2.0,
        description="soft, a little slower and higher, smooth narrow contour"),
    "serious": Preset(
        pitch_st=-1.0, range=0.8, slope_st=-0.4, final_st=-0.6, duration=1.05, final_length=1.05, pause=1.1,
        energy=0.2, description="lower, flatter, measured pace, firm falling ends"),
}


def preset_for(options: SynthesisOptions) -> Preset:
    """The preset of ``options.emotion`` at ``options.intensity``."""
    return PRESETS[canonical_emotion(options.emotion)].at(options.intensity)


def split_pitch(semitones: float, explicit: float = 0.0) -> tuple[float, float]:
    """Split a preset's mean shift plus an explicit ``pitch`` into (model f0 route, mel warp) semitones.

    The preset's shift goes through the model up to ±``MODEL_MAX_ST``. An explicit lowering also goes
    through the model (down to ``MODEL_MIN_ST`` in total): the mel warp renders downward shifts past
    −3 st poorly (the voice loses voicing), the model lowers cleanly. Raising is done by the warp, which
    stays clean to +6 st. Whatever is left goes to the warp.
    """
    model = min(max(semitones, -MODEL_MAX_ST), MODEL_MAX_ST) + min(explicit, 0.0)
    model = max(model, MODEL_MIN_ST)
    return model, semitones + explicit - model


def st_to_shift(semitones: np.ndarray) -> np.ndarray:
    """Semitones → normalised ``f0_shift`` for the model's f0 route (linear fit of the measurements)."""
    return np.where(semitones >= 0, semitones / ST_PER_SHIFT_UP, semitones / ST_PER_SHIFT_DOWN)


def syllable_index(phones: Sequence[str]) -> tuple[np.ndarray, int]:
    """Syllable number of each phone (−1 for silences, breaks and ``eos``) and the syllable count.

    A syllable is an initial (optional) followed by its toned final; break marks take no syllable.
    """
    index = np.full(len(phones), -1, np.int64)
    count = 0
    pending: list[int] = []
    for i, phone in enumerate(phones):
        if phone in _SILENT or phone.startswith("#"):
            pending.clear()
            continue
        if phone[-1].isdigit():
            for j in pending:
                index[j] = count
            index[i] = count
            count += 1
            pending.clear()
        else:
            pending.append(i)
    return index, count


def phrase_controls(phones: Sequence[str], options: SynthesisOptions, *, final_punct: str = "",
                    sentence_end: bool = True) -> PhonemeControls:
    """Controls for one phrase (``phones`` includes the trailing ``eos``).

    A question mark adds a small rise on the final syllable for every emotion but sad/hate/angry (which
    keep their fall); a phrase that does not end a sentence gets half of the final-syllable contour.
    """
    length = len(phones)
    preset = preset_for(options)
    controls = PhonemeControls.neutral(length)
    if (preset.is_neutral() and options.pitch >= 0) or length == 0:
        return controls
    syllable, count = syllable_index(phones)
    voiced = syllable >= 0
    silent = np.array([p == "sil" for p in phones])

    model_st, _ = split_pitch(preset.pitch_st, options.pitch)
    position = np.where(voiced, syllable / max(count - 1, 1), 0.0)
    local = np.where(voiced, preset.slope_st * (position - 0.5), 0.0)
    final = preset.final_st * (1.0 if sentence_end else 0.5)
    if final_punct in ("？", "?") and final >= 0:
        final += 0.5 * options.intensity
    last = voiced & (syllable == count - 1)
    local = np.where(last, local + final, local)
    # The mean shift goes on every id (silences and breaks too): the decoder reads the register from the
    # whole phrase, a shift on the syllables alone is mostly pulled back. The contour is local.
    shift = st_to_shift(np.array(model_st)) + local / ST_PER_LOCAL_SHIFT
    shift = np.clip(shift, *SHIFT_LIMITS)

    duration = np.full(length, preset.duration)
    duration[last] *= preset.final_length
    duration[silent] = preset.duration * preset.pause
    duration[-1] = 1.0  # eos
    return PhonemeControls(
        f0_scale=np.full(length, np.clip(preset.range, *SCALE_LIMITS), np.float32),
        f0_shift=np.asarray(shift, np.float32),
        energy_scale=np.where(silent, 1.0, np.clip(preset.energy_range, *SCALE_LIMITS)).astype(np.float32),
        energy_shift=np.where(silent, 0.0, preset.energy).astype(np.float32),
        duration_scale=np.clip(duration, *DURATION_LIMITS).astype(np.float32),
    )


def transform_mel(mel: np.ndarray, options: SynthesisOptions) -> np.ndarray:
    """Mel-domain adjustments applied before the vocoder: pitch past the f0 route, level and tilt.

    Returns ``mel`` itself (same object) when there is nothing to do, so neutral stays bit-exact.
    """
    preset = preset_for(options)
    _, warp = split_pitch(preset.pitch_st, options.pitch)
    semitones: float | np.ndarray = warp
    if preset.glide_st:
        semitones = semitones + melpitch.final_glide(len(mel), melpitch.mean_level(mel), preset.glide_st)
    out = melpitch.shift_pitch(mel, np.multiply(semitones, melpitch.WARP_CALIBRATION))
    if preset.gain_db or preset.tilt_db:
        out = melpitch.colour(out, preset.gain_db, preset.tilt_db)
    return out


def describe_presets() -> dict[str, dict[str, object]]:
    """Every preset's parameters at intensity 1.0 (shown by ``shengqing emotions``)."""
    out: dict[str, dict[str, object]] = {}
    for name in EMOTIONS:
        params = asdict(PRESETS[name])
        out[name] = {k: (round(v, 3) if isinstance(v, float) and math.isfinite(v) else v)
                     for k, v in params.items()}
    return out
