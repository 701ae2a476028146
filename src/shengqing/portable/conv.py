"""Exact products with weights: one-dimensional convolution (channel-major) and fully-connected layers.

Weights are prepared once: float weights are snapped per output channel (see :func:`.numerics.snap`) and
activations per position, so every GEMM below is exact whatever BLAS does (see :mod:`.numerics`).

Int8 weights (the acoustic model's) are used as the integers they are, against activations quantized to
int8 the way LiteRT's default XNNPACK kernels do it at run time (:func:`quantize_int8`): one asymmetric
scale and zero point per row of a fully-connected input and per whole convolution input. The integer
products are exact, and the scales are applied in float32 with the same IEEE operations in the same order,
so the portable mode reads each phoneme's duration as the fast mode does far more often than a finer
activation grid would (docs/consistency.md: mean log-mel distance to ``fast`` 0.66 dB instead of 1.58).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import integer as integer_products
from . import numerics as nm
from .parallel import split_columns

#: Int8 weights run in single precision, twice as fast as double: the quantized activations less their
#: zero point lie in [-255, 255] (8 bits and a sign), so chunks of the contraction short enough that every
#: partial sum stays below 2^24 are exact in float32 (516 terms for weights up to 127); the chunks' exact
#: integer results are added in float64. Float weights use float64 and 20 bits, except where a layer asks
#: for single precision (the vocoder's): then weights and activations keep 8 significant bits, each chunk of
#: 256 terms sums below 2^24, exact in float32, and the chunks and taps are added in float32, in a fixed
#: order (docs/consistency.md, "The single-precision vocoder").
_INT8_ACTIVATION_BITS = 8
_FLOAT32_EXACT = 2.0**24 - 1
_SINGLE_BITS = 8
_SINGLE_TERMS = 256
#: A single-precision layer's smallest product must stay a normal float32 (no flush-to-zero question): the
#: activations' grid is at least 2^-107 (:func:`.numerics.snap` zeroes float32 slices below 2^-100), so
#: every weight channel's peak must reach 2^-12; a layer with a smaller one keeps 20 bits in float64.
_SINGLE_SMALLEST_PEAK = 2.0**-12
#: Below this many weights a LiteRT call (≈ 40 µs with its resize) costs more than the float32 product.
_INTEGER_MIN_WEIGHTS = 1 << 16
_F32 = np.float32
_F64 = np.dtype("float64")


def quantize_int8(x: np.ndarray, *, per_row: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """XNNPACK's dynamic int8 quantization of ``x`` [N, K]: ``(q, zero_point, scale)``, float32.

    Each row's range, widened to include 0, maps onto -128…127: ``multiplier = 255 / (max - min)``, the
    zero point is the nearer end's nudged offset, ``q = clamp(rint(x · m) + zero_point)`` with ``m`` the
    reciprocal of the dequantization scale ``1 / multiplier`` (as XNNPACK rounds it). All float32, IEEE
    operations only. ``zero_point`` and ``scale`` are per row ([N, 1], or [1, 1]).
    """
    x = np.asarray(x, _F32)
    rows = x if per_row else x.reshape(1, -1)
    if rows.shape[1] == 0:
        return x.copy(), np.zeros((rows.shape[0], 1), _F32), np.ones((rows.shape[0], 1), _F32)
    low = np.minimum(_F32(0), np.min(rows, axis=1, keepdims=True))
    high = np.maximum(_F32(0), np.max(rows, axis=1, keepdims=True))
    flat = low == high
    multiplier = np.where(flat, _F32(1), _F32(255) / np.where(flat, _F32(1), high - low))
    low_scaled, high_scaled = low * multiplier, high * multiplier
    from_low = (_F32(-128) + low_scaled) + (_F32(127) + high_scaled)
    zero_point = np.rint(np.clip(np.where(from_low > 0, _F32(-128) - low_scaled, _F32(127) - high_scaled),
                                 _F32(-128), _F32(127)))
    scale = _F32(1) / multiplier
    quantized = np.clip(np.rint(rows * (_F32(1) / scale)) + zero_point, _F32(-128), _F32(127))
    return quantized.reshape(x.shape), zero_point, scale


def _scale_sums(sums: np.ndarray, scale: np.ndarray | float, w: Weights, channels_last: bool) -> np.ndarray:
    """Exact integer ``sums`` → float32 × the activations' scale × the weights' scale + bias (XNNPACK's
    order, no fused multiply-add), returned as float64 like every portable tensor."""
    assert w.post_scale is not None
    shape = (-1,) if channels_last else (-1, 1)
    out: np.ndarray = np.multiply(sums, scale, dtype=_F32)  # sums rounded to float32 first, as XNNPACK does
    out *= w.post_scale.reshape(shape).astype(_F32)
    if w.bias is not None:
        out += w.bias.reshape(shape).astype(_F32)
    return out.astype(np.float64)


@dataclass(frozen=True)
class Weights:
    """Weights ready for exact products.

    ``matrix``: for a convolution the taps stacked as ``[K·Cout, Cin]``; for a dense layer ``[Cin, Cout]``;
    float32 for int8 weights (against :func:`quantize_int8` activations) and for single-precision layers (8
    bits), float64 otherwise (20 bits); where ``integer`` takes the products, only its shape is kept.
    ``post_scale``: the int8 weights' scale applied to the output (None for snapped float weights).
    ``spans``: per tap, ``(tap, first matrix row, first output channel, last + 1)`` — the rows of a tap that are
    all zero are left out of the matrix (a polyphase upsampler's phases each use two of its three taps).
    """

    matrix: np.ndarray
    post_scale: np.ndarray | None
    bias: np.ndarray | None
    cout: int
    taps: int = 1
    dilation: int = 1
    same: bool = False
    activation_bits: int = nm.BITS
    spans: tuple[tuple[int, int, int, int], ...] = ()
    chunk: int = 0  # contracted terms per exact float32 product (0: all at once)
    #: int8 weights in integer arithmetic (:mod:`.integer`), where this CPU's proved it exact; otherwise
    #: the float32 products of ``matrix``
    integer: integer_products.IntegerProduct | None = None
    #: per output channel, the sum of its int8 weights over every tap: times the input's zero point, what
    #: the products of the raw quantized input take too much
    weight_sums: np.ndarray | None = None

    @property
    def accumulate(self) -> np.dtype[Any]:
        """The dtype the chunks' products and the taps are added in: float32 for single-precision layers
        (float weights in a float32 matrix), float64 otherwise."""
        return self.matrix.dtype if self.post_scale is None else _F64

    def snap_input(self, x: np.ndarray, axis: int) -> np.ndarray:
        """``x`` snapped (in its own dtype) for this layer's products (float weights)."""
        return nm.snap(x, axis=axis, bits=self.activation_bits)

    def product(self, snapped: np.ndarray) -> np.ndarray:
        """``matrix @ snapped`` (convolution layout) in the matrix's dtype — the cast is exact, at most 20
        significant bits — as ``accumulate``; float32 products chunk by chunk, each exact, the chunks added
        in ``accumulate`` in order."""
        operand = snapped.astype(self._multiplied().dtype, copy=False)
        size = operand.shape[0]
        if not self.chunk or size <= self.chunk:
            return np.asarray(nm.matmul(self.matrix, operand), self.accumulate)
        out = np.asarray(nm.matmul(self.matrix[:, :self.chunk], operand[:self.chunk]), self.accumulate)
        for first in range(self.chunk, size, self.chunk):
            out += nm.matmul(self.matrix[:, first:first + self.chunk], operand[first:first + self.chunk])
        return out

    def int8_rows_product(self, q: np.ndarray) -> np.ndarray:
        """The exact sums of ``q`` [N, Cin] (raw int8 values, as :func:`quantize_int8` gives them) times the
        int8 weights, positions as rows (:meth:`dense_product` or :meth:`rows_product`); the caller takes
        off the zero point's share (``weight_sums``)."""
        if self.integer is not None:
            return self.integer(q)
        return self.rows_product(q) if self.spans else self.dense_product(q)  # a convolution has spans

    def dense_product(self, rows: np.ndarray) -> np.ndarray:
        """``rows @ matrix`` for a dense layer's ``[Cin, Cout]`` matrix, as :meth:`product`."""
        matrix = self._multiplied()
        return _chunked_rows_product(rows.astype(matrix.dtype, copy=False), matrix, self.chunk)

    def rows_product(self, rows: np.ndarray) -> np.ndarray:
        """``rows @ matrix.T`` for a convolution's ``[K·Cout, Cin]`` matrix (positions as rows)."""
        matrix = self._multiplied()
        return _chunked_rows_product(rows.astype(matrix.dtype, copy=False), matrix.T, self.chunk)

    def _multiplied(self) -> np.ndarray:
        """``matrix`` for a BLAS product (never that of a layer whose weights ``integer`` holds)."""
        if self.integer is not None:
            raise RuntimeError("this layer's products are taken by its IntegerProduct")
        return self.matrix

    @classmethod
    def prepare(cls, values: np.ndarray, int8_scale: np.ndarray | None, bias: np.ndarray | None, *,
                dense: bool, dilation: int = 1, same: bool = False, single: bool = False,
                concurrency: int = 1) -> Weights:
        """``values``: ``[Cout, Cin]`` (dense) or ``[Cout, K, Cin]`` (convolution); int8 weights come with
        their scale (one, or one per output channel). ``single``: float weights at 8 bits in float32 (see
        ``_SINGLE_BITS``), where their size allows. ``concurrency``: threads that may call at once (an
        :class:`.integer.IntegerProduct` keeps a copy of the weights per thread it serves at once)."""
        cout = values.shape[0]
        contracted = values.shape[-1]
        bits: int = nm.BITS
        chunk = 0
        dtype: np.dtype[Any] = _F64
        if int8_scale is None and single and _single_precision_fits(values.reshape(cout, -1)):
            integer = nm.snap(values.reshape(cout, -1), axis=1, bits=_SINGLE_BITS).reshape(values.shape)
            post = None
            bits, chunk, dtype = _SINGLE_BITS, _SINGLE_TERMS, np.dtype("float32")
        elif int8_scale is None:
            integer = nm.snap(values.reshape(cout, -1), axis=1).reshape(values.shape)
            post = None
        else:
            integer = values.astype(np.float64)
            post = np.asarray(int8_scale, np.float64).reshape(-1)
            largest = max(float(np.max(np.abs(integer))) if integer.size else 0.0, 1.0)
            bits, dtype = _INT8_ACTIVATION_BITS, np.dtype("float32")
            chunk = int(_FLOAT32_EXACT // (2.0**bits * largest))
        if dense:
            matrix = np.ascontiguousarray(integer.T, dtype)
            post_shape: tuple[int, ...] = (-1,)
            bias_shape: tuple[int, ...] = (-1,)
            taps = 1
        else:
            taps = values.shape[1]
            blocks, spans, row = [], [], 0
            for k in range(taps):
                used = np.flatnonzero(np.any(integer[:, k, :] != 0, axis=1))
                if not len(used):
                    continue
                lo, hi = int(used[0]), int(used[-1]) + 1
                blocks.append(integer[lo:hi, k, :])
                spans.append((k, row, lo, hi))
                row += hi - lo
            if not blocks:
                blocks, spans = [integer[:, 0, :]], [(0, 0, 0, cout)]
            matrix = np.ascontiguousarray(np.concatenate(blocks), dtype)
            post_shape = bias_shape = (-1, 1)
        if contracted > nm.MAX_TERMS:
            raise ValueError("contracted length exceeds the exact range")
        exact_integers: integer_products.IntegerProduct | None = None
        weight_sums = None if post is None else integer.reshape(cout, -1).sum(axis=1)
        if (post is not None and contracted <= integer_products.MAX_TERMS and integer.size >= _INTEGER_MIN_WEIGHTS
                and integer_products.available()):
            outputs_by_terms = (matrix.T if dense else matrix).astype(np.int8)
            exact_integers = integer_products.IntegerProduct(outputs_by_terms, concurrency)
            # the weights live in the LiteRT models now: the matrix keeps its shape, with no data
            matrix = np.broadcast_to(np.int8(0), matrix.shape)
        return cls(matrix, None if post is None else post.reshape(post_shape),
                   None if bias is None else np.asarray(bias, _F64 if post is not None else dtype).reshape(bias_shape),
                   cout, taps, dilation, same, bits, tuple(spans) if not dense else (), chunk,
                   exact_integers, weight_sums)


def _single_precision_fits(rows: np.ndarray) -> bool:
    """Whether every non-zero weight channel (row) is large enough for :data:`_SINGLE_SMALLEST_PEAK`."""
    peaks = np.max(np.abs(rows), axis=1) if rows.size else np.zeros(0)
    nonzero = peaks[peaks > 0]
    return bool(np.all(nonzero >= _SINGLE_SMALLEST_PEAK))


#: Elements of one block of tap partial sums: 4 MB in float64.
_BLOCK_ELEMENTS = 1 << 19


def conv1d(x: np.ndarray, w: Weights, reflect: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Stride-1 convolution of ``x`` [Cin, L] → [Cout, L'].

    ``reflect``: mirror padding (TensorFlow's REFLECT) applied first; ``w.same``: zero padding as
    TensorFlow's SAME. Snapping is per column, so padding snapped columns equals snapping padded ones.
    ``R = W_stacked @ X`` gives every tap's exact partial sum at every position; output ``t`` is
    ``Σ_k R_k[t + k·d]`` added in tap order, then the int8 scale and the bias.
    """
    if w.post_scale is not None:  # int8 weights: the acoustic model's layout does the work
        return conv1d_rows(np.asarray(x).T, w).T.astype(x.dtype, copy=False)
    snapped = w.snap_input(x, axis=0)
    if reflect != (0, 0):
        snapped = _reflect(snapped, *reflect)
    if w.same and w.taps > 1:
        total = (w.taps - 1) * w.dilation
        snapped = np.pad(snapped, ((0, 0), (total // 2, total - total // 2)))
    length = snapped.shape[1] - (w.taps - 1) * w.dilation
    if w.taps == 1:
        out = w.product(snapped)
    else:
        # The first tap is copied, not added to zeros, when it covers every output channel: 0 + a = a except
        # for the sign of an exact zero, which the next layer's snap (or the int16 output) turns into +0.
        copy_first = w.spans[0][2:] == (0, w.cout)
        out = np.empty((w.cout, length), w.accumulate) if copy_first else np.zeros((w.cout, length), w.accumulate)
        # output positions in blocks: the taps' partial sums of a whole 3-second window would take tens of
        # MB; a block's products are the same sums, so the bits do not depend on the blocking
        halo = (w.taps - 1) * w.dilation
        block = max(256, _BLOCK_ELEMENTS // max(1, w.matrix.shape[0]))
        for first in range(0, length, block):
            last = min(length, first + block)
            partial = w.product(snapped[:, first:last + halo])
            span = last - first
            for index, (k, row, lo, hi) in enumerate(w.spans):  # taps in order; left-out rows add exact zeros
                start = k * w.dilation
                if index == 0 and copy_first:
                    out[:, first:last] = partial[row:row + hi - lo, start:start + span]
                else:
                    out[lo:hi, first:last] += partial[row:row + hi - lo, start:start + span]
    if w.bias is not None:
        out += w.bias
    return out.astype(x.dtype, copy=False)


def conv1d_rows(x: np.ndarray, w: Weights) -> np.ndarray:
    """:func:`conv1d` with positions as rows, ``x`` [L, Cin] → [L', Cout]: the layout of the acoustic model
    (short sequences, wide channels), with no transposes. SAME padding only (no mirror padding there)."""
    total = (w.taps - 1) * w.dilation if w.same else 0
    if w.post_scale is not None:
        # int8 weights: the whole input at one scale, as XNNPACK's convolutions do; SAME padding is its zero
        # point (the real value 0)
        q, zero_point, scale = quantize_int8(x, per_row=False)
        if total:
            q = np.pad(q, ((total // 2, total - total // 2), (0, 0)), constant_values=zero_point.item())
        partial = w.int8_rows_product(q)
    else:
        snapped = w.snap_input(x, axis=1)
        if total:
            snapped = np.pad(snapped, ((total // 2, total - total // 2), (0, 0)))
        partial = w.rows_product(snapped)
    length = partial.shape[0] - (w.taps - 1) * w.dilation
    if w.taps == 1:
        out = np.asarray(partial, _F64) if w.post_scale is not None else partial
    else:
        out = np.zeros((length, w.cout))
        for k, row, lo, hi in w.spans:  # taps in order; left-out columns would add exact zeros
            start = k * w.dilation
            out[:, lo:hi] += partial[start:start + length, row:row + hi - lo]
    if w.post_scale is not None:
        return _scale_sums(_less_zero_point(out, zero_point, w), scale, w, channels_last=True)
    if w.bias is not None:
        out += w.bias.reshape(-1)
    return out


def _less_zero_point(sums: np.ndarray, zero_point: np.ndarray, w: Weights) -> np.ndarray:
    """``sums`` (float64, in place) of the raw int8 input less the zero point's share: the exact sums of
    ``q - zero_point``, integers below 2^53."""
    assert w.weight_sums is not None
    sums -= zero_point.astype(_F64) * w.weight_sums
    return sums


def _chunked_rows_product(rows: np.ndarray, matrix: np.ndarray, chunk: int) -> np.ndarray:
    """``rows @ matrix``, the columns split over the cores this call may use (:func:`.parallel.cores`). One
    exact chunk stays in the matrix's dtype (the caller widens the sums as it reads them); a contraction
    longer than ``chunk`` terms is cut into exact chunks whose products are added in float64."""
    if not chunk or rows.shape[1] <= chunk:
        return split_columns(lambda part: nm.matmul(rows, part), matrix, rows.shape[0], matrix.dtype)
    return split_columns(lambda part: _chunked_product(rows, part, chunk), matrix, rows.shape[0],
                         np.dtype("float64"))


def _chunked_product(rows: np.ndarray, matrix: np.ndarray, chunk: int) -> np.ndarray:
    out = np.asarray(nm.matmul(rows[:, :chunk], matrix[:chunk]), np.float64)
    for first in range(chunk, rows.shape[1], chunk):
        out += nm.matmul(rows[:, first:first + chunk], matrix[first:first + chunk])
    return out


def _reflect(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """``np.pad(x, ((0, 0), (before, after)), mode="reflect")`` without its general-purpose overhead."""
    length = x.shape[1]
    if before >= length or after >= length:
        return np.pad(x, ((0, 0), (before, after)), mode="reflect")
    out = np.empty((x.shape[0], length + before + after), x.dtype)
    out[:, before:before + length] = x
    if before:
        out[:, :before] = x[:, 1:before + 1][:, ::-1]
    if after:
        out[:, before + length:] = x[:, length - 1 - after:length - 1][:, ::-1]
    return out


def dense(rows: np.ndarray, w: Weights) -> np.ndarray:
    """``rows`` [N, Cin] → [N, Cout], exact product then the int8 scales (each row quantized on its own, as
    XNNPACK's fully-connected kernels do) and the bias."""
    if w.post_scale is not None:
        q, zero_point, scale = quantize_int8(rows, per_row=True)
        sums = np.asarray(w.int8_rows_product(q), _F64)
        return _scale_sums(_less_zero_point(sums, zero_point, w), scale, w, channels_last=True)
    out = w.dense_product(w.snap_input(rows, axis=1))
    if w.bias is not None:
        out += w.bias
    return out
