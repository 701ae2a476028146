"""Mel-domain prosody before the vocoder: pitch shift past the model's range, level and spectral tilt.

The acoustic model's mel is 80 Slaney-mel bands from 80 to 7600 Hz (24 kHz audio, FFT 2048, hop 300),
each band normalised to zero mean and unit variance over the training set (measured on the model's own
output: per-band mean ≈ 0, std ≈ 1). Below ~1.5 kHz the bands are 36 Hz apart, so the harmonics of the
voice (f0 ≈ 180–350 Hz) show up as a ripple 5–10 bands long; the vocoder reads the pitch from that ripple.

:func:`shift_pitch` separates each frame into a smooth spectral envelope (the first
:data:`ENVELOPE_COEFFS` DCT coefficients across the bands: formants, tilt, loudness) and the fine
structure (the harmonic ripple), stretches only the fine structure along the frequency axis by
``2 ** (semitones / 12)``, and only below :data:`WARP_MAX_HZ` (fading to identity above), then adds the
envelope back. The vocoder then renders the harmonics at the new pitch while formants and the upper
spectrum stay where they were: no "chipmunk" effect, tones keep their shape (the whole contour moves by
a constant ratio). Measured with pYIN on the output: +3 st → +3.0…+3.2 st, +6 → +5.5, −6 → −4.7…−5.7,
voiced fraction unchanged. The model's own f0 control saturates near +3 st (see :mod:`.emotion`).

Everything here is computed so that every CPU gets the same bits (it sits between the two models, inside
the determinism contract): exponentials, logarithms and cosines come from :mod:`.portable.numerics`,
products are exact (:func:`~.portable.numerics.exact_matmul`), sums run in a fixed order, and the
interpolation is written out in basic operations.
"""

from __future__ import annotations

import math

import numpy as np

from .portable import numerics as nm

N_MELS = 80
MEL_FMIN = 80.0
MEL_FMAX = 7600.0
ENVELOPE_COEFFS = 12
#: The vocoder renders a warp of x semitones as ≈ 0.9·x (pYIN over eight sentences: +3 → +2.7), so
#: requests are scaled by this factor before warping.
WARP_CALIBRATION = 1.1
WARP_MAX_HZ = 1500.0
#: Level of the normalised mel → output level: a +1.0 offset on every band raises the level by this
#: many dB (measured on the vocoder output, RMS of the speech frames: +0.5 → +8 dB, +1.0 → +12 dB,
#: −0.33 → −5 dB; the slope near 0 is ≈ 15 dB per unit).
DB_PER_UNIT = 15.0


_LOGSTEP = float(nm.log(np.array(6.4))) / 27.0
_LN2 = float(nm.log(np.array(2.0)))


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney mel scale (linear below 1 kHz, logarithmic above), as librosa's default."""
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    lin = hz / f_sp
    log = min_log_hz / f_sp + nm.log(np.maximum(hz, 1e-9) / min_log_hz) / _LOGSTEP
    return np.where(hz >= min_log_hz, log, lin)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    return np.where(mel >= min_log_mel, min_log_hz * nm.exp(_LOGSTEP * (mel - min_log_mel)), f_sp * mel)


def band_centres() -> np.ndarray:
    """Centre frequency (Hz) of each of the 80 mel bands."""
    lo, hi = _hz_to_mel(np.array([MEL_FMIN, MEL_FMAX]))
    steps = np.arange(N_MELS + 2, dtype=np.float64) / (N_MELS + 1)
    return np.asarray(_mel_to_hz(lo + (hi - lo) * steps)[1:-1], np.float64)


_CENTRES = band_centres()
_INDEX = np.arange(N_MELS, dtype=np.float64)


def _dct_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II matrix (rows = coefficients)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    basis = nm.cos(np.pi * k * (2 * i + 1) / (2 * n)) * math.sqrt(2.0 / n)
    basis[0] /= math.sqrt(2.0)
    return basis


def _ordered_gram(rows: np.ndarray) -> np.ndarray:
    """``rows.T @ rows`` summed over the rows in order (a BLAS product's rounding may depend on the CPU)."""
    out = np.zeros((rows.shape[1], rows.shape[1]))
    for row in rows:
        out += row[:, None] * row[None, :]
    return out


_DCT = _dct_matrix(N_MELS)
#: Projection onto the smooth envelope (first ENVELOPE_COEFFS DCT coefficients).
_ENVELOPE = _ordered_gram(_DCT[:ENVELOPE_COEFFS])


_BLEND = np.clip((1.5 * WARP_MAX_HZ - _CENTRES) / (0.5 * WARP_MAX_HZ), 0.0, 1.0)
#: A frame whose mean normalised level is above this is speech (silence sits near −2, speech near 0).
SPEECH_LEVEL = -1.0
#: Frames of the phrase-final glide (12.5 ms each): about one final syllable.
GLIDE_FRAMES = 22


def _interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp`` (clamped at the ends) in separate basic operations: its C loop may be compiled with
    fused multiply-adds on some CPUs."""
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)
    t = np.clip((x - xp[j]) / (xp[j + 1] - xp[j]), 0.0, 1.0)
    return np.asarray(fp[j] + t * (fp[j + 1] - fp[j]))


def _warp_rows(fine: np.ndarray, semitones: np.ndarray) -> np.ndarray:
    """Warp each row of ``fine`` along the band axis by its own number of semitones."""
    ratio = nm.exp(semitones[:, None] * (_LN2 / 12.0))
    source = _interp(_CENTRES[None, :] / ratio, _CENTRES, _INDEX)
    source = _BLEND * source + (1.0 - _BLEND) * _INDEX
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, N_MELS - 1)
    frac = source - low
    rows = np.arange(len(fine))[:, None]
    return np.asarray(fine[rows, low] * (1.0 - frac) + fine[rows, high] * frac)


def shift_pitch(mel: np.ndarray, semitones: float | np.ndarray) -> np.ndarray:
    """Move the harmonics of ``mel`` ([frames, 80]) by ``semitones`` (a number, or one per frame),
    keeping the spectral envelope."""
    per_frame = np.broadcast_to(np.asarray(semitones, np.float64), (len(mel),))
    if len(mel) == 0 or not per_frame.any():
        return mel
    data = mel.astype(np.float64)
    envelope = nm.exact_matmul(data, _ENVELOPE)
    return np.asarray(envelope + _warp_rows(data - envelope, per_frame), np.float32)


def final_glide(frames: int, level: np.ndarray, semitones: float) -> np.ndarray:
    """Per-frame semitones for a glide of ``semitones`` over the phrase's last speech frames.

    The glide starts at 0 :data:`GLIDE_FRAMES` before the last speech frame (``level`` = mean normalised
    band level per frame above :data:`SPEECH_LEVEL`), ends at ``semitones`` there and holds after it.
    """
    out = np.zeros(frames)
    speech = np.flatnonzero(level > SPEECH_LEVEL)
    if semitones == 0.0 or len(speech) < 4:
        return out
    last = int(speech[-1])
    span = min(GLIDE_FRAMES, max(len(speech) // 3, 2))
    start = max(last - span, 0)
    ramp = np.arange(last - start + 1, dtype=np.float64) / max(last - start, 1)
    out[start:last + 1] = semitones * (ramp * np.sqrt(ramp))
    out[last + 1:] = semitones
    return out


def mean_level(mel: np.ndarray) -> np.ndarray:
    """Mean normalised band level of each frame, summed in a fixed order."""
    total: np.ndarray = nm.ordered_sum(np.asarray(mel, np.float64), axis=1)
    return np.asarray(total / mel.shape[1])


def colour(mel: np.ndarray, gain_db: float = 0.0, tilt_db: float = 0.0) -> np.ndarray:
    """Change the level by ``gain_db`` and tilt the spectrum by ``tilt_db`` (top band vs 1 kHz).

    Only on speech frames: silent frames (mean normalised level below −1.5) are left alone so pauses
    stay quiet.
    """
    if (gain_db == 0.0 and tilt_db == 0.0) or len(mel) == 0:
        return mel
    octaves = nm.log(np.maximum(_CENTRES, 1.0) / 1000.0) / nm.log(np.array(MEL_FMAX / 1000.0))
    offset = (gain_db + tilt_db * np.clip(octaves, -1.0, 1.0)) / DB_PER_UNIT
    level = mean_level(mel)[:, None]
    weight = np.clip((level + 1.5) / 0.75, 0.0, 1.0)
    return np.asarray(mel + weight * offset[None, :], np.float32)
