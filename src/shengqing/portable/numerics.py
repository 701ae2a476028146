"""Arithmetic whose result is the same bits on every CPU: exact products, IEEE basic operations.

Three rules make a computation independent of the instruction set, the BLAS build, the thread split and
the compiler's choice of fused multiply-add:

1. **Exact products.** Before a matrix product, every row of the left operand and every column of the
   right one is *snapped* (:func:`snap`): rounded to a grid of ``2^(p - BITS)``, where ``2^p`` bounds the
   slice's largest magnitude. Each value is then a ``BITS``-bit integer times a power of two shared by its
   slice, so every product is exact, and every partial sum of one output element is an integer multiple of
   the same power of two below ``2^(2·BITS + 12)`` × that power: exactly representable in float64. Any
   summation order, blocking, SIMD width, thread split or fused multiply-add gives the same result.
2. **Elementwise work with IEEE basic operations only** (``+ - * /``, ``sqrt``, ``rint``, ``floor``,
   ``ldexp``, ``frexp``, comparisons), one NumPy ufunc call each: each is correctly rounded, so every CPU
   agrees. Transcendental functions (exp, log, tanh…) are written here from those operations, because libm
   and NumPy's SIMD versions differ in the last bit between CPUs.
3. **Reductions in a fixed order** (:func:`ordered_sum`): a pairwise tree written out in NumPy calls,
   never ``np.sum`` on floats (its blocking is an implementation detail).

20 bits keep the arithmetic far finer than the model's own int8 weights: the audio is equivalent to float
inference. The vocoder's convolutions keep 8 bits instead and multiply in float32 (:mod:`.conv`), as fine as
the 8-bit sub-band quantisation the vocoder applies itself (docs/consistency.md has the measurements).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Significant bits kept by :func:`snap`.
BITS = 20
#: Largest contracted length that keeps every partial sum of two snapped operands exact (2·20 + 12 < 53).
MAX_TERMS = 2**12
#: Slices whose peak is below this are treated as zero (keeps every grid far from the subnormal range).
_TINY = 2.0**-900
_TINY32 = 2.0**-100

_LOG2E = 1.4426950408889634
#: ln 2 split so that ``k * _LN2_HI`` is exact for |k| < 2^20 (fdlibm's constants).
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_EXP_COEFFS = tuple(1.0 / float(np.prod(np.arange(1, n + 1, dtype=np.float64))) for n in range(11))
_SQRT_HALF = 0.70710678118654752440


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The one place products are taken (NumPy's BLAS); tests swap it for other summation orders."""
    out: np.ndarray = np.matmul(a, b)
    return out


def snap(x: np.ndarray, axis: int = -1, bits: int = BITS) -> np.ndarray:
    """Round each slice of ``x`` along ``axis`` to ``bits`` significant bits of its own peak, on a
    power-of-two grid: ``x + c - c`` with ``c = 1.5·2^(m + p - bits)`` (round-to-nearest-even; ``m`` = 52
    for float64, 23 for float32, which keeps its dtype), where ``2^p > peak`` comes from ``frexp``. Two
    additions per element, one ``frexp`` per slice."""
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = np.asarray(x, np.float64)
    if x.size == 0:
        return x
    mantissa, tiny = (23, _TINY32) if x.dtype == np.float32 else (52, _TINY)
    peak = np.maximum(np.max(x, axis=axis, keepdims=True), -np.min(x, axis=axis, keepdims=True))
    small = peak < tiny
    _, exponent = np.frexp(np.where(small, tiny, peak))
    magic = np.ldexp(x.dtype.type(1.5), exponent + (mantissa - bits)).astype(x.dtype)
    out: np.ndarray = x + magic
    out -= magic
    if small.any():
        out = np.where(small, x.dtype.type(0.0), out)
    return out


def exact_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (batched like ``np.matmul``) on snapped operands: the same bits everywhere."""
    if a.shape[-1] > MAX_TERMS:
        raise ValueError(f"contracted length {a.shape[-1]} exceeds the exact range ({MAX_TERMS})")
    return matmul(snap(a, axis=-1), snap(b, axis=-2))


def ordered_sum(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """Sum along ``axis`` by a fixed pairwise tree (zero-padded to even lengths at each level)."""
    moved = np.moveaxis(np.asarray(x, np.float64), axis, -1)
    while moved.shape[-1] > 1:
        if moved.shape[-1] % 2:
            moved = np.concatenate([moved, np.zeros((*moved.shape[:-1], 1))], axis=-1)
        half = moved.shape[-1] // 2
        moved = moved[..., :half] + moved[..., half:]
    if moved.shape[-1] == 0:
        moved = np.zeros((*moved.shape[:-1], 1))
    out: np.ndarray = moved[..., 0]
    return np.expand_dims(out, axis) if keepdims else out


#: Elements per block of an elementwise chain: each of a chain's dozens of passes then stays in the core's
#: cache instead of streaming the whole array through memory (exp 25–30 % faster on 150k elements and more; each element
#: is computed alone, so the blocking cannot change a bit).
_BLOCK = 8192


def _blockwise(function: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``function(x)`` for an elementwise ``function``, evaluated over cache-sized pieces of ``x``."""
    if x.size <= _BLOCK:
        return function(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.shape, np.float64)
    for first in range(0, flat.size, _BLOCK):
        out[first:first + _BLOCK] = function(flat[first:first + _BLOCK])
    return out.reshape(x.shape)


def exp(x: np.ndarray | float) -> np.ndarray:
    """e**x from basic operations: x = k ln2 + r (exact split), Taylor series of degree 10 for |r| ≤ ln2/2
    (relative error below 3e-13; what matters is that every CPU computes the same one)."""
    return _blockwise(_exp, np.asarray(x, np.float64))


def _exp(x: np.ndarray) -> np.ndarray:
    underflow = x < -708.0
    x = np.clip(x, -708.0, 709.0)
    k = np.rint(x * _LOG2E)
    r = x - k * _LN2_HI
    r -= k * _LN2_LO
    p = r * _EXP_COEFFS[-1]
    p += _EXP_COEFFS[-2]
    for coeff in reversed(_EXP_COEFFS[:-2]):
        p *= r
        p += coeff
    out: np.ndarray = np.ldexp(p, k.astype(np.int32))
    return np.where(underflow, 0.0, out) if underflow.any() else out


def mish(x: np.ndarray | float) -> np.ndarray:
    """x · tanh(softplus(x)) with one exponential: tanh(log(1 + e)) = n / (n + 2), n = e (e + 2).
    Above x = 20 the ratio is 1 to within 2e-17, so the exponential is capped there."""
    return _blockwise(_mish, np.asarray(x, np.float64))


def _mish(x: np.ndarray) -> np.ndarray:
    e = _exp(np.minimum(x, 20.0))
    n = e * (e + 2.0)
    out: np.ndarray = x * (n / (n + 2.0))
    return out


def log(x: np.ndarray | float) -> np.ndarray:
    """Natural log from basic operations: x = m 2^e, log m = 2 atanh((m-1)/(m+1)) by its series."""
    x = np.asarray(x, np.float64)
    positive = x > 0.0
    m, e = np.frexp(np.where(positive, x, 1.0))
    low = m < _SQRT_HALF
    m = np.where(low, m * 2.0, m)
    e = np.where(low, e - 1, e).astype(np.float64)
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    series = np.full_like(s, 1.0 / 23.0)
    for n in range(21, 0, -2):
        series = series * s2 + 1.0 / n
    out = (e * _LN2_HI + (e * _LN2_LO + 2.0 * s * series))
    return np.where(positive, out, np.where(x == 0.0, -np.inf, np.nan))


def tanh(x: np.ndarray | float) -> np.ndarray:
    """tanh from :func:`exp`: sign(x) (1 - 2 / (e^{2|x|} + 1))."""
    return _blockwise(_tanh, np.asarray(x, np.float64))


def _tanh(x: np.ndarray) -> np.ndarray:
    t = 1.0 - 2.0 / (_exp(2.0 * np.abs(x)) + 1.0)
    out: np.ndarray = np.where(x < 0.0, -t, t)
    return out


def cos(x: np.ndarray | float) -> np.ndarray:
    """cos for the modest arguments of constant tables (|x| ≲ 1e3): reduction by 2π in two parts, then
    the Taylor series on [-π, π] to degree 30."""
    x = np.asarray(x, np.float64)
    two_pi_hi, two_pi_lo = 6.28318530717958623200e00, 2.44929359829470635445e-16
    k = np.rint(x / two_pi_hi)
    r = (x - k * two_pi_hi) - k * two_pi_lo
    r2 = r * r
    p = np.ones_like(r)
    for n in range(30, 0, -2):
        p = 1.0 - p * r2 / float(n * (n - 1))
    return p


def power(base: np.ndarray | float, exponent: np.ndarray | float) -> np.ndarray:
    """base ** exponent for base > 0 as exp(exponent · log(base))."""
    return exp(np.asarray(exponent, np.float64) * log(np.asarray(base, np.float64)))
