"""The operators of the two voice graphs, written so that their results are the same bits on every CPU.

Floats are carried as float64. Products with weights and between activations go through
:func:`~.numerics.exact_matmul`-style integer arithmetic; elementwise maths uses the portable functions of
:mod:`.numerics`; everything else (shapes, gathers, pads, casts) is exact by nature. Each kernel takes the
operator (its options and constant inputs already decoded by :mod:`.interpreter`) and the input arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import numerics as nm
from .conv import Weights, conv1d_rows, dense

Array = np.ndarray


@dataclass
class Op:
    """One decoded operator: its name, options, tensor indices and any prepared weights."""

    name: str
    options: dict[str, Any]
    inputs: list[int]
    outputs: list[int]
    prepared: dict[str, Any] = field(default_factory=dict)


Kernel = Callable[[Op, list[Any]], list[Array]]
KERNELS: dict[str, Kernel] = {}


def kernel(*names: str) -> Callable[[Kernel], Kernel]:
    def register(fn: Kernel) -> Kernel:
        for name in names:
            KERNELS[name] = fn
        return fn
    return register


def _fused(op: Op, x: Array) -> Array:
    activation = op.options.get("fusedActivationFunction", 0)
    if activation == 0:
        return np.asarray(x)
    if activation == 1:  # RELU
        return np.asarray(np.maximum(x, 0.0))
    raise NotImplementedError(f"{op.name}: fused activation {activation}")


def _float_like(a: Array, b: Array) -> bool:
    return bool(np.issubdtype(a.dtype, np.floating) or np.issubdtype(b.dtype, np.floating))


# -- elementwise ---------------------------------------------------------------------------------------
@kernel("ADD")
def _add(op: Op, x: list[Array]) -> list[Array]:
    return [_fused(op, x[0] + x[1]) if _float_like(x[0], x[1]) else np.asarray(x[0] + x[1], x[0].dtype)]


@kernel("SUB")
def _sub(op: Op, x: list[Array]) -> list[Array]:
    return [_fused(op, x[0] - x[1]) if _float_like(x[0], x[1]) else np.asarray(x[0] - x[1], x[0].dtype)]


@kernel("MUL")
def _mul(op: Op, x: list[Array]) -> list[Array]:
    return [_fused(op, x[0] * x[1]) if _float_like(x[0], x[1]) else np.asarray(x[0] * x[1], x[0].dtype)]


@kernel("SQUARED_DIFFERENCE")
def _squared_difference(op: Op, x: list[Array]) -> list[Array]:
    d = x[0] - x[1]
    return [d * d]


def _elementwise(fn: Callable[..., Array]) -> Kernel:
    def run(op: Op, x: list[Array]) -> list[Array]:
        return [np.asarray(fn(*[v for v in x if v is not None]))]
    return run


#: One-to-one operators: portable transcendental functions, exact or correctly rounded NumPy ufuncs.
KERNELS.update({
    "RSQRT": _elementwise(lambda v: 1.0 / np.sqrt(v)), "EXP": _elementwise(nm.exp),
    "LOG": _elementwise(nm.log), "TANH": _elementwise(nm.tanh), "MISH": _elementwise(nm.mish),
    "FLOOR": _elementwise(np.floor), "MAXIMUM": _elementwise(np.maximum), "LESS": _elementwise(np.less),
    "NOT_EQUAL": _elementwise(np.not_equal),
})


@kernel("LEAKY_RELU")
def _leaky_relu(op: Op, x: list[Array]) -> list[Array]:
    alpha = float(np.float32(op.options["alpha"]))
    return [np.where(x[0] >= 0.0, x[0], x[0] * alpha)]


@kernel("CAST")
def _cast(op: Op, x: list[Array]) -> list[Array]:
    target = op.prepared["dtype"]
    value = x[0]
    if np.issubdtype(target, np.integer) and np.issubdtype(value.dtype, np.floating):
        value = np.trunc(value)  # C++ static_cast: toward zero
    return [np.asarray(value, target)]


@kernel("QUANTIZE")
def _quantize(op: Op, x: list[Array]) -> list[Array]:
    scale, zero, lo, hi = op.prepared["output_quant"]
    return [np.clip(np.rint(x[0] / scale) + zero, lo, hi)]


@kernel("DEQUANTIZE")
def _dequantize(op: Op, x: list[Array]) -> list[Array]:
    scale, zero, _, _ = op.prepared["input_quant"]
    return [(np.asarray(x[0], np.float64) - zero) * scale]


# -- reductions ----------------------------------------------------------------------------------------
def _axes(value: Array, rank: int) -> tuple[int, ...]:
    return tuple(sorted({int(a) % rank for a in np.atleast_1d(value)}))


@kernel("MEAN")
def _mean(op: Op, x: list[Array]) -> list[Array]:
    axes, keep = _axes(x[1], x[0].ndim), op.options["keepDims"]
    out, count = x[0], 1
    for axis in reversed(axes):
        count *= out.shape[axis]
        out = nm.ordered_sum(out, axis=axis, keepdims=True)
    out = out / float(count)
    return [out if keep else np.squeeze(out, axis=axes)]


def _int_reduce(fn: Callable[..., Array]) -> Kernel:
    def run(op: Op, x: list[Array]) -> list[Array]:
        axes = _axes(x[1], x[0].ndim)
        if np.issubdtype(x[0].dtype, np.floating) and fn is not np.max:
            raise NotImplementedError(f"{op.name} on floats")
        return [np.asarray(fn(x[0], axis=axes, keepdims=op.options["keepDims"]), x[0].dtype)]
    return run


KERNELS["SUM"] = _int_reduce(np.sum)
KERNELS["REDUCE_PROD"] = _int_reduce(np.prod)
KERNELS["REDUCE_MAX"] = _int_reduce(np.max)


@kernel("SOFTMAX")
def _softmax(op: Op, x: list[Array]) -> list[Array]:
    beta = float(np.float32(op.options["beta"]))
    logits = x[0] if beta == 1.0 else x[0] * beta
    e = nm.exp(logits - np.max(logits, axis=-1, keepdims=True))
    return [e / nm.ordered_sum(e, axis=-1, keepdims=True)]


# -- products ------------------------------------------------------------------------------------------
@kernel("BATCH_MATMUL")
def _batch_matmul(op: Op, x: list[Array]) -> list[Array]:
    a, b = x[0], x[1]
    if op.options["adjX"]:
        a = np.swapaxes(a, -1, -2)
    if op.options["adjY"]:
        b = np.swapaxes(b, -1, -2)
    return [nm.exact_matmul(a, b)]


@kernel("FULLY_CONNECTED")
def _fully_connected(op: Op, x: list[Array]) -> list[Array]:
    weights: Weights = op.prepared["weights"]
    return [_fused(op, dense(x[0].reshape(-1, weights.matrix.shape[0]), weights))]


@kernel("CONV_2D")
def _conv_2d(op: Op, x: list[Array]) -> list[Array]:
    """NHWC with one spatial axis of size 1: :func:`.conv.conv1d_rows` on the ``[L, C]`` rows."""
    weights: Weights = op.prepared["weights"]
    axis = op.prepared["axis"]
    if weights.taps == 1:  # pointwise: the sequence runs along whichever spatial axis is not 1
        axis = 0 if x[0].shape[1] > 1 else 1
    signal = np.moveaxis(x[0][0], axis, 0).reshape(x[0].shape[1 + axis], -1)  # [L, Cin]
    out = conv1d_rows(signal, weights)
    shape = [1, 1, 1, weights.cout]
    shape[1 + axis] = out.shape[0]
    return [_fused(op, out.reshape(shape))]


# -- shapes and data movement --------------------------------------------------------------------------
@kernel("RESHAPE")
def _reshape(op: Op, x: list[Array]) -> list[Array]:
    shape = x[1] if len(x) > 1 and x[1] is not None else op.options["newShape"]
    return [x[0].reshape([int(s) for s in np.atleast_1d(shape)])]


@kernel("EXPAND_DIMS")
def _expand_dims(op: Op, x: list[Array]) -> list[Array]:
    return [np.expand_dims(x[0], int(x[1]))]


@kernel("SQUEEZE")
def _squeeze(op: Op, x: list[Array]) -> list[Array]:
    dims = op.options.get("squeezeDims")
    axes = tuple(int(d) % x[0].ndim for d in dims) if dims is not None and len(dims) else None
    return [np.squeeze(x[0], axis=axes)]


@kernel("TRANSPOSE")
def _transpose(op: Op, x: list[Array]) -> list[Array]:
    return [np.transpose(x[0], [int(p) for p in x[1]])]


@kernel("SHAPE")
def _shape(op: Op, x: list[Array]) -> list[Array]:
    return [np.array(x[0].shape, op.prepared["dtype"])]


@kernel("GATHER")
def _gather(op: Op, x: list[Array]) -> list[Array]:
    if op.options["batchDims"]:
        raise NotImplementedError("GATHER with batch dims")
    return [np.take(x[0], x[1], axis=int(op.options["axis"]))]


@kernel("STRIDED_SLICE")
def _strided_slice(op: Op, x: list[Array]) -> list[Array]:
    o = op.options
    if o["ellipsisMask"] or o["newAxisMask"] or o.get("offset"):
        raise NotImplementedError("STRIDED_SLICE with ellipsis, new axes or offset")
    begin, end, strides = (np.atleast_1d(v) for v in x[1:4])
    index: list[Any] = []
    for i in range(len(begin)):
        if o["shrinkAxisMask"] >> i & 1:
            index.append(int(begin[i]))
            continue
        start = None if o["beginMask"] >> i & 1 else int(begin[i])
        stop = None if o["endMask"] >> i & 1 else int(end[i])
        index.append(slice(start, stop, int(strides[i])))
    return [np.asarray(x[0][tuple(index)])]


@kernel("PACK")
def _pack(op: Op, x: list[Array]) -> list[Array]:
    return [np.stack([np.asarray(v) for v in x], axis=int(op.options["axis"]))]


@kernel("CONCATENATION")
def _concatenation(op: Op, x: list[Array]) -> list[Array]:
    return [_fused(op, np.concatenate(x, axis=int(op.options["axis"])))]


@kernel("RANGE")
def _range(op: Op, x: list[Array]) -> list[Array]:
    return [np.arange(int(x[0]), int(x[1]), int(x[2]), dtype=x[0].dtype)]


@kernel("FILL")
def _fill(op: Op, x: list[Array]) -> list[Array]:
    return [np.full([int(d) for d in x[0]], x[1], dtype=x[1].dtype)]


@kernel("TILE")
def _tile(op: Op, x: list[Array]) -> list[Array]:
    return [np.tile(x[0], [int(m) for m in x[1]])]


@kernel("WHERE")
def _where(op: Op, x: list[Array]) -> list[Array]:
    return [np.argwhere(x[0]).astype(np.int64)]


@kernel("PAD")
def _pad(op: Op, x: list[Array]) -> list[Array]:
    return [np.pad(x[0], [(int(a), int(b)) for a, b in x[1]])]


@kernel("MIRROR_PAD")
def _mirror_pad(op: Op, x: list[Array]) -> list[Array]:
    pads = np.asarray(x[1], np.int64)
    if op.options["mode"] == 0:
        return [np.pad(x[0], pads, mode="reflect")]
    return [np.pad(x[0], pads, mode="symmetric")]


def run_kernel(op: Op, inputs: Sequence[Any]) -> list[Array]:
    return KERNELS[op.name](op, list(inputs))
