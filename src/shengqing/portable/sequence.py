"""The vocoder graph in channel-major layout: every float tensor is one sequence, ``[channels, positions]``.

MB-MelGAN is a stack of 1-D convolutions, so its tensors are all ``[1, L, C]`` (or with a unit axis added
for CONV_2D). Keeping them as ``[C, L]`` makes the per-position quantisation a fast column reduction and the
taps' shifts contiguous slices: several times faster than the generic interpreter. Its convolutions run in
single precision: weights and activations at 8 significant bits, products exact in float32 chunks, chunks
and taps added in float32 in a fixed order (see :mod:`.conv`); elementwise work uses basic IEEE operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ModelCorruptError
from . import numerics as nm
from .conv import conv1d
from .interpreter import GraphInterpreter
from .kernels import Op

_SUPPORTED = {"MIRROR_PAD", "EXPAND_DIMS", "SQUEEZE", "CONV_2D", "LEAKY_RELU", "RESHAPE", "ADD", "TANH",
              "QUANTIZE", "DEQUANTIZE"}


class _Padded:
    """A MIRROR_PAD result not materialised yet: its only consumers are convolutions."""

    def __init__(self, data: np.ndarray, pads: tuple[int, int]) -> None:
        self.data = data
        self.pads = pads


class SequenceInterpreter(GraphInterpreter):
    """Runs a purely convolutional sequence graph (the vocoder): activations in float32, snapped to 8 bits
    before each product, exact float32 products (:data:`.conv._SINGLE_BITS`)."""

    def _convert_input(self, value: np.ndarray, tensor_type: int) -> Any:
        return np.ascontiguousarray(np.asarray(value, np.float32)[0].T)  # [1, L, C] → [C, L]

    def get_tensor(self, index: int) -> np.ndarray:
        value = self._local.values[index]  # [C, L] → the graph's [1, L, C]
        return np.ascontiguousarray(value.T[None], np.float32)

    def _prepare(self, op: Op) -> Op:
        if op.name not in _SUPPORTED:
            raise ModelCorruptError(f"the portable vocoder kernels have no {op.name} operator",
                                    hint="use SHENGQING_KERNELS=fast for this model")
        if op.name == "CONV_2D":
            op.prepared["conv"] = self._weights(op, dense=False, single=True)
        elif op.name == "MIRROR_PAD" and op.options["mode"] != 0:
            raise ModelCorruptError("the portable vocoder kernels mirror-pad in REFLECT mode only")
        elif op.name == "QUANTIZE":
            op.prepared["quant"] = self._quant(op.outputs[0])
        elif op.name == "DEQUANTIZE":
            op.prepared["quant"] = self._quant(op.inputs[0])
        elif op.name == "RESHAPE":
            shape = op.options.get("newShape")
            if shape is None and len(op.inputs) > 1:
                shape = self._constants.get(op.inputs[1])
            if shape is None:
                raise ModelCorruptError("vocoder RESHAPE without a constant shape")
            op.prepared["channels"] = int(np.atleast_1d(shape)[-1])
        elif op.name == "ADD":
            for position, index in enumerate(op.inputs):
                if index in self._constants:  # a bias [C] → [C, 1]
                    op.prepared[f"const{position}"] = np.asarray(self._constants[index], np.float32).reshape(-1, 1)
        return op

    def _run(self, op: Op, args: list[Any]) -> list[Any]:
        x = args[0]
        name = op.name
        dtype = np.float32
        if name in ("EXPAND_DIMS", "SQUEEZE"):
            return [x]
        if name == "MIRROR_PAD":  # deferred: the convolution that reads it pads its quantised input
            pads = np.asarray(args[1])[:-1]  # every axis but the channels: only the sequence one pads
            return [_Padded(x, (int(pads[:, 0].sum()), int(pads[:, 1].sum())))]
        if name == "CONV_2D":
            if isinstance(x, _Padded):
                return [conv1d(x.data, op.prepared["conv"], reflect=x.pads)]
            return [conv1d(x, op.prepared["conv"])]
        if name == "LEAKY_RELU":  # max(x, αx) for 0 < α < 1
            scaled = x * dtype(np.float32(op.options["alpha"]))
            return [np.maximum(x, scaled, out=scaled)]
        if name == "ADD":
            a = op.prepared.get("const0", x)
            b = op.prepared.get("const1", args[1])
            return [a + b]
        if name == "RESHAPE":  # interleave phases: [s·C', L] → [C', L·s]
            channels = op.prepared["channels"]
            if channels == x.shape[0]:
                return [x]
            phases = x.shape[0] // channels
            return [np.ascontiguousarray(x.reshape(phases, channels, -1).transpose(1, 2, 0)).reshape(channels, -1)]
        if name == "TANH":
            return [np.asarray(nm.tanh(x), dtype)]
        scale, zero, lo, hi = op.prepared["quant"]
        if name == "QUANTIZE":
            return [np.clip(np.rint(x / dtype(scale[0])) + dtype(zero[0]), lo, hi).astype(dtype)]
        return [((x - dtype(zero[0])) * dtype(scale[0])).astype(dtype)]  # DEQUANTIZE
