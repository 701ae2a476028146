"""Acoustic fingerprints of int16 24 kHz speech, and the distance between two of them.

Everything here is plain numpy (no librosa at run time) and deterministic, so a fingerprint computed on
one machine can be compared with one computed on another.

A fingerprint holds:

* ``duration`` in seconds and ``samples``;
* ``f0_median_hz``: median F0 of the voiced frames (normalised autocorrelation, 40 ms frames, 20 ms hop,
  60–500 Hz, voiced when the peak ≥ :data:`VOICING_THRESHOLD` and the frame is within 40 dB of the loudest);
* ``band_db``: mean power in :data:`BANDS` (dB re full scale);
* ``contour``: a coarse log-mel spectrogram (:data:`CONTOUR_BANDS` mel bands, 50 ms hop, dBFS clamped to
  [:data:`FLOOR_DB`, :data:`CEIL_DB`], 0.5 dB steps, stored as base64 bytes) — small enough to commit in a
  golden manifest, detailed enough to align two renderings whose phoneme durations differ by a frame.

:func:`logmel_distance` aligns two contours by dynamic time warping and returns the mean absolute dB
difference along the path, over the top :data:`DYNAMIC_RANGE_DB` of the pair (see ``docs/consistency.md``
for the tolerance built on it).
"""

from __future__ import annotations

import base64
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

SAMPLE_RATE = 24000
HOP = 1200  # 50 ms
WINDOW = 2048
CONTOUR_BANDS = 24
FMIN, FMAX = 60.0, 11000.0
FLOOR_DB, CEIL_DB = -100.0, 27.5
STEP_DB = 0.5
BANDS: tuple[tuple[int, int], ...] = ((0, 250), (250, 500), (500, 1000), (1000, 2000), (2000, 4000),
                                      (4000, 8000), (8000, 12000))
DYNAMIC_RANGE_DB = 60.0  # cells further below the loudest cell of the pair are clamped before comparing
VOICING_THRESHOLD = 0.5
F0_RANGE = (60.0, 500.0)


@dataclass(frozen=True)
class Fingerprint:
    """Compact acoustic description of one rendering (JSON-ready through :meth:`to_dict`)."""

    samples: int
    duration: float
    f0_median_hz: float
    band_db: tuple[float, ...]
    contour: str  # base64 of uint8 cells, frames × CONTOUR_BANDS, value = (dB − FLOOR_DB) / STEP_DB

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["band_db"] = list(self.band_db)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(samples=int(data["samples"]), duration=float(data["duration"]),
                   f0_median_hz=float(data["f0_median_hz"]), band_db=tuple(float(x) for x in data["band_db"]),
                   contour=str(data["contour"]))

    def contour_db(self) -> np.ndarray:
        """The contour as a float array [frames, CONTOUR_BANDS] in dBFS."""
        raw = np.frombuffer(base64.b64decode(self.contour), dtype=np.uint8)
        cells = raw.reshape(-1, CONTOUR_BANDS).astype(np.float64)
        result: np.ndarray = cells * STEP_DB + FLOOR_DB
        return result


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    result: np.ndarray = 2595.0 * np.log10(1.0 + hz / 700.0)
    return result


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    result: np.ndarray = 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
    return result


def _mel_filters() -> np.ndarray:
    """Triangular filters [CONTOUR_BANDS, WINDOW // 2 + 1], each summing to 1 (a band's mean power)."""
    freqs = np.fft.rfftfreq(WINDOW, 1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(FMIN)), _hz_to_mel(np.array(FMAX)), CONTOUR_BANDS + 2))
    filters = np.zeros((CONTOUR_BANDS, len(freqs)))
    for band in range(CONTOUR_BANDS):
        low, centre, high = edges[band], edges[band + 1], edges[band + 2]
        rising = (freqs - low) / (centre - low)
        falling = (high - freqs) / (high - centre)
        filters[band] = np.clip(np.minimum(rising, falling), 0.0, None)
        filters[band] /= max(filters[band].sum(), 1e-12)
    return filters


_FILTERS = _mel_filters()
_HANN = np.hanning(WINDOW)
_HANN_POWER = float(np.sum(_HANN**2))


def _frames(signal: np.ndarray, size: int, hop: int) -> np.ndarray:
    """Frames [n, size] starting every ``hop`` samples, only those wholly inside the signal.

    No padding: a frame half made of padding would depend on the exact length, and renderings whose
    lengths differ by a few samples would then differ at the edge. A signal shorter than one frame
    gives one zero-padded frame.
    """
    if len(signal) < size:
        signal = np.pad(signal, (0, size - len(signal)))
    count = 1 + (len(signal) - size) // hop
    index = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    result: np.ndarray = signal[index]
    return result


def power_spectrogram(samples: np.ndarray) -> np.ndarray:
    """Power spectra [frames, WINDOW // 2 + 1]; summed over the bins they give the frame's mean square."""
    signal = np.asarray(samples, dtype=np.float64) / 32768.0
    spectra = np.fft.rfft(_frames(signal, WINDOW, HOP) * _HANN, axis=1)
    result: np.ndarray = (np.abs(spectra) ** 2) * (2.0 / (WINDOW * _HANN_POWER))
    return result


def _db(power: np.ndarray | float) -> np.ndarray:
    result: np.ndarray = 10.0 * np.log10(np.maximum(power, 10.0 ** (FLOOR_DB / 10.0)))
    return result


def contour_of(samples: np.ndarray) -> np.ndarray:
    """Log-mel contour [frames, CONTOUR_BANDS] in dBFS, clamped and quantised like the stored one."""
    mel = power_spectrogram(samples) @ _FILTERS.T
    clamped = np.clip(_db(mel), FLOOR_DB, CEIL_DB)
    result: np.ndarray = np.round((clamped - FLOOR_DB) / STEP_DB) * STEP_DB + FLOOR_DB
    return result


def band_energies(samples: np.ndarray) -> tuple[float, ...]:
    """Mean power of the whole signal in each of :data:`BANDS`, dBFS (0.01 dB resolution)."""
    power = power_spectrogram(samples).mean(axis=0)
    freqs = np.fft.rfftfreq(WINDOW, 1.0 / SAMPLE_RATE)
    values = []
    for low, high in BANDS:
        mask = (freqs >= low) & (freqs < high)
        values.append(round(float(_db(float(power[mask].sum()))), 2))
    return tuple(values)


def f0_median(samples: np.ndarray) -> float:
    """Median F0 (Hz) of the voiced frames, 0.0 when nothing is voiced."""
    signal = np.asarray(samples, dtype=np.float64) / 32768.0
    size, hop = 960, 480
    if len(signal) < size:
        return 0.0
    frames = _frames(signal, size, hop)
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = (frames**2).sum(axis=1)
    loud = energy > energy.max() * 1e-4  # within 40 dB of the loudest frame
    spectrum = np.fft.rfft(frames, n=2 * size, axis=1)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :size]
    lag_min = int(SAMPLE_RATE / F0_RANGE[1])
    lag_max = int(SAMPLE_RATE / F0_RANGE[0])
    # unbiased normalisation, so long lags are not penalised by the shrinking overlap
    overlap = (size - np.arange(size)) / size
    norm = acf / np.maximum(acf[:, :1], 1e-20) / overlap
    region = norm[:, lag_min:lag_max + 1]
    # the first local maximum within 10 % of the best one: multiples of the period score as high
    local_max = np.zeros_like(region, dtype=bool)
    local_max[:, 1:-1] = (region[:, 1:-1] >= region[:, :-2]) & (region[:, 1:-1] >= region[:, 2:])
    strong = local_max & (region >= 0.9 * region.max(axis=1, keepdims=True))
    best = np.where(strong.any(axis=1), strong.argmax(axis=1), region.argmax(axis=1))
    peak = region[np.arange(len(region)), best]
    voiced = loud & (peak >= VOICING_THRESHOLD)
    if not voiced.any():
        return 0.0
    lags = best[voiced] + lag_min
    # parabolic interpolation around the peak for sub-sample lag precision
    rows = np.nonzero(voiced)[0]
    left = norm[rows, np.maximum(lags - 1, 0)]
    mid = norm[rows, lags]
    right = norm[rows, np.minimum(lags + 1, size - 1)]
    denom = left - 2 * mid + right
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    freqs = SAMPLE_RATE / (lags + np.clip(shift, -0.5, 0.5))
    return round(float(np.median(freqs)), 2)


def fingerprint(samples: np.ndarray) -> Fingerprint:
    """The :class:`Fingerprint` of int16 24 kHz mono ``samples``."""
    pcm = np.asarray(samples, dtype=np.int16)
    cells = np.round((contour_of(pcm) - FLOOR_DB) / STEP_DB).astype(np.uint8)
    return Fingerprint(samples=len(pcm), duration=round(len(pcm) / SAMPLE_RATE, 6), f0_median_hz=f0_median(pcm),
                       band_db=band_energies(pcm), contour=base64.b64encode(cells.tobytes()).decode("ascii"))


def _dtw_mean(cost: np.ndarray) -> float:
    """Mean cost along the cheapest monotone path from (0, 0) to (n−1, m−1), one cell per row.

    Each row advances the column by 0, 1 or 2, so one side may be up to twice as long as the other
    locally; the result is the path's total divided by the number of rows.
    """
    rows, cols = cost.shape
    inf = np.inf
    acc = np.full(cols, inf)
    acc[0] = cost[0, 0]
    for row in range(1, rows):
        stay = acc
        one = np.concatenate(([inf], acc[:-1]))
        two = np.concatenate(([inf, inf], acc[:-2])) if cols > 1 else np.array([inf])[:cols]
        acc = cost[row] + np.minimum(np.minimum(stay, one), two[:cols])
    total = float(acc[-1])
    return total / rows if math.isfinite(total) else math.inf


def logmel_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Aligned log-mel distance (dB) between contours ``a`` and ``b`` [frames, bands]; symmetric.

    Both contours are first clamped at :data:`DYNAMIC_RANGE_DB` below the loudest cell of the two (quiet
    cells carry no audible difference but large dB swings). The cost of matching two frames is the mean
    absolute dB difference over the bands; the frames are aligned by dynamic time warping in both
    directions and the larger of the two mean path costs is returned. Identical contours give 0.0.
    """
    if len(a) == 0 or len(b) == 0:
        return 0.0 if len(a) == len(b) else math.inf
    if a.shape == b.shape and np.array_equal(a, b):
        return 0.0
    floor = max(float(a.max()), float(b.max())) - DYNAMIC_RANGE_DB
    a, b = np.maximum(a, floor), np.maximum(b, floor)
    cost = np.abs(a[:, None, :] - b[None, :, :]).mean(axis=2)
    return round(max(_dtw_mean(cost), _dtw_mean(cost.T)), 4)


def snr_db(reference: np.ndarray, other: np.ndarray) -> float | None:
    """Waveform SNR (dB) of ``other`` against ``reference`` when both have the same length, else None."""
    if len(reference) != len(other):
        return None
    ref = np.asarray(reference, dtype=np.float64)
    noise = ref - np.asarray(other, dtype=np.float64)
    noise_power = float(np.sum(noise**2))
    if noise_power == 0.0:
        return math.inf
    return round(10.0 * math.log10(max(float(np.sum(ref**2)), 1e-20) / noise_power), 2)
