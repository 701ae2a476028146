"""Int8 products in integer arithmetic: LiteRT's own int8 GEMM, fed so that its result is the exact sum.

A layer's int8 weights become a one-operator LiteRT model (FULLY_CONNECTED, float input, int8 weights at
scale 1, no bias), run with LiteRT's default kernels (XNNPACK). Those quantize each input row to int8 at
run time and sum the int8 × int8 products in int32, with the CPU's best integer instructions (AVX-512
VNNI, AVX2, SSE4.1, NEON dot products…): integer sums, so the same on every CPU. Two extra input columns
hold -128 and 127 (their weights are 0), which makes the row's quantization the identity (scale 1, zero
point 0) on every CPU; the int32 sum is then converted to float32 and multiplied by 1, both exact while it
stays below 2^24 (128 · 127 · 1,032 terms at most). Six to seven times faster than the same exact product
as one-thread float32 BLAS on an AVX-512 server (benchmarks/int8_products.py).

:func:`available` proves that on the running CPU once per process, at the worst case, before any model
uses it; where it fails, the layers keep their float32 BLAS products (:mod:`.conv`): the same bits, slower.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np

#: Rows per LiteRT call: an interpreter keeps its tensors sized for the largest call it has seen, for every
#: layer and thread, so a long phrase's decoder (1,000 rows × 3,072 sums) would pin ~12 MB per layer; in
#: blocks of 64 rows it is 0.8 MB, as fast (1.08 ms for 400 rows, against 1.11 ms at once).
_BLOCK_ROWS = 64
#: Interpreters per layer at most, whatever the thread count: each holds a packed copy of its weights (the
#: acoustic model's: ~30 MB a set), and a further caller's wait is short (these products are about a seventh
#: of an acoustic call's time).
MAX_INTERPRETERS = 4
#: Largest contraction whose every int8 × int8 sum converts to float32 exactly (128 · 127 · n < 2^24).
MAX_TERMS = 1032
_LOW, _HIGH = -128.0, 127.0


def _flatbuffer(weights: np.ndarray) -> bytes:
    """A LiteRT model computing ``x @ weights.T`` for float ``x`` [N, K + 2] and int8 ``weights`` [M, K]
    (two zero columns appended for the range-setting inputs), N chosen at run time."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    outputs, terms = weights.shape
    padded = np.zeros((outputs, terms + 2), np.int8)
    padded[:, :terms] = weights

    def tensor(name: str, shape: list[int], kind: int, buffer: int) -> Any:
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = name.encode(), shape, kind, buffer
        if shape[0] == 1:
            t.shapeSignature = [-1, *shape[1:]]
        return t

    weight_tensor = tensor("weights", [outputs, terms + 2], schema.TensorType.INT8, 2)
    quantization = schema.QuantizationParametersT()
    quantization.scale, quantization.zeroPoint = [1.0] * outputs, [0] * outputs
    quantization.quantizedDimension = 0
    weight_tensor.quantization = quantization
    operator = schema.OperatorT()
    operator.opcodeIndex, operator.inputs, operator.outputs = 0, [0, 1, -1], [2]
    operator.builtinOptionsType = schema.BuiltinOptions.FullyConnectedOptions
    operator.builtinOptions = schema.FullyConnectedOptionsT()
    operator.builtinOptions.asymmetricQuantizeInputs = True
    graph = schema.SubGraphT()
    graph.tensors = [tensor("rows", [1, terms + 2], schema.TensorType.FLOAT32, 1), weight_tensor,
                     tensor("sums", [1, outputs], schema.TensorType.FLOAT32, 3)]
    graph.inputs, graph.outputs, graph.operators = [0], [2], [operator]
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.FULLY_CONNECTED
    code.version = 1
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs = 3, [code], [graph]
    weight_buffer = schema.BufferT()
    weight_buffer.data = padded.reshape(-1).view(np.uint8)  # an array: packed in one copy, not byte by byte
    model.buffers = [schema.BufferT(), schema.BufferT(), weight_buffer, schema.BufferT()]
    builder = flatbuffers.Builder(padded.size + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


class _Runner:
    """One LiteRT interpreter of an :class:`IntegerProduct` and the row count it is sized for."""

    def __init__(self, model: bytes, terms: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_content=model, num_threads=1)
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.output = self.interpreter.get_output_details()[0]["index"]
        self.rows = 0
        self.terms = terms

    def __call__(self, q: np.ndarray, out: np.ndarray) -> None:
        """``out[:] = q @ weights.T``, in blocks of :data:`_BLOCK_ROWS` rows."""
        feed = np.empty((min(_BLOCK_ROWS, q.shape[0]), self.terms + 2), np.float32)
        feed[:, self.terms] = _LOW
        feed[:, self.terms + 1] = _HIGH
        for first in range(0, q.shape[0], _BLOCK_ROWS):
            block = q[first:first + _BLOCK_ROWS]
            rows = block.shape[0]
            if rows != self.rows:
                self.interpreter.resize_tensor_input(self.input, [rows, self.terms + 2])
                self.interpreter.allocate_tensors()
                self.rows = rows
            feed[:rows, :self.terms] = block
            self.interpreter.set_tensor(self.input, feed[:rows])
            self.interpreter.invoke()
            out[first:first + rows] = self.interpreter.tensor(self.output)()  # a view, dropped at once


class IntegerProduct:
    """``q @ weights.T`` for int8 ``weights`` [M, K] and integer-valued ``q`` [N, K] in [-128, 127]: the
    exact sums, as float32 (see the module docstring).

    Thread-safe: each call borrows an interpreter (LiteRT's are not re-entrant) from a pool that grows, as
    threads call at once, to ``concurrency`` interpreters (at most :data:`MAX_INTERPRETERS`); a further
    caller waits for one. Each holds its own packed copy of the weights (about twice their size). The first
    is made here, so that the process's one-time delegate log is silenced at model load, never while other
    threads log.
    """

    def __init__(self, weights: np.ndarray, concurrency: int = 1) -> None:
        if weights.dtype != np.int8 or weights.ndim != 2 or weights.shape[1] > MAX_TERMS:
            raise ValueError("an int8 [outputs, terms] matrix of at most MAX_TERMS terms is required")
        self.outputs, self.terms = weights.shape
        self._model = _flatbuffer(weights)
        self._free = threading.Condition()
        self._concurrency = max(1, min(concurrency, MAX_INTERPRETERS))
        from .._native import native_stderr_silenced

        with native_stderr_silenced():
            first = _Runner(self._model, self.terms)
            # the first call applies the delegate (the log) and packs the weights
            first(np.zeros((1, self.terms), np.float32), np.empty((1, self.outputs), np.float32))
        self._idle = [first]
        self._made = 1

    def __call__(self, q: np.ndarray) -> np.ndarray:
        with self._free:
            while not self._idle and self._made >= self._concurrency:
                self._free.wait()
            runner = self._idle.pop() if self._idle else None
            if runner is None:
                self._made += 1  # made outside the lock; counted now so no other caller exceeds the bound
        if runner is None:
            try:
                runner = _Runner(self._model, self.terms)
            except BaseException:
                with self._free:
                    self._made -= 1
                    self._free.notify()
                raise
        out = np.empty((q.shape[0], self.outputs), np.float32)
        try:
            runner(q, out)
            return out
        finally:
            with self._free:
                self._idle.append(runner)
                self._free.notify()


def worst_case(outputs: int, terms: int, rows: int, seed: int = 2026) -> tuple[np.ndarray, np.ndarray]:
    """Int8 weights [outputs, terms] and quantized rows [rows, terms] (at least 3 of each) whose sums reach
    the top of the exact range, of both signs, one of them odd; the rest random."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-127, 128, (outputs, terms)).astype(np.int8)
    weights[0], weights[1] = -127, 127
    q = rng.integers(-128, 128, (rows, terms)).astype(np.float32)
    q[0], q[1] = -128.0, 127.0
    q[2] = -128.0
    q[2, 3] = -127.0  # an odd sum near the top of the range
    return weights, q


def _probe() -> bool:
    """Whether :class:`IntegerProduct` gives the exact sums on this CPU: the largest sums it may meet (see
    :func:`worst_case`) and random ones, against int64 arithmetic."""
    weights, q = worst_case(64, MAX_TERMS, 7)
    try:
        got = IntegerProduct(weights)(q)
    except Exception:  # no usable LiteRT build here: the BLAS products serve
        return False
    want = q.astype(np.int64) @ weights.astype(np.int64).T
    return bool(got.dtype == np.float32 and np.array_equal(got.astype(np.int64), want))


@functools.cache
def available() -> bool:
    """Whether the int8 layers may use :class:`IntegerProduct` on this CPU (proved once per process)."""
    return _probe()
