"""A NumPy interpreter for the voice's LiteRT graphs whose output is the same bits on every platform.

It reads the same installed flatbuffers LiteRT runs, decodes each operator once (weights turned into the
integer matrices the portable kernels multiply), and offers the small part of LiteRT's ``Interpreter`` API
the acoustic and vocoder stages use, so they need not know which kind of interpreter they drive.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from ..errors import ModelCorruptError
from .conv import Weights
from .kernels import KERNELS, Op, run_kernel

_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_TYPES: dict[int, Any] = {
    schema.TensorType.FLOAT32: np.float64,  # carried as float64, delivered as float32
    schema.TensorType.INT32: np.int32, schema.TensorType.INT64: np.int64, schema.TensorType.INT8: np.int8,
    schema.TensorType.UINT8: np.uint8, schema.TensorType.BOOL: np.bool_, schema.TensorType.INT16: np.int16,
}
_QUANT_RANGE = {schema.TensorType.INT8: (-128, 127), schema.TensorType.UINT8: (0, 255),
                schema.TensorType.INT16: (-32768, 32767)}


def _options(op: schema.OperatorT) -> dict[str, Any]:
    opts = op.builtinOptions
    return dict(vars(opts)) if opts is not None else {}


class GraphInterpreter:
    """Decodes one single-subgraph LiteRT model and offers LiteRT's ``Interpreter`` surface; subclasses
    say how each operator is prepared and run.

    Re-entrant: inputs and outputs are kept per calling thread, the prepared weights are shared, so one
    instance serves every worker (one copy of the weights).
    """

    def __init__(self, model: bytes, *, concurrency: int = 1) -> None:
        self.concurrency = concurrency  # threads that may run the graph at once (see .conv.Weights.prepare)
        try:
            fb = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
        except Exception as exc:  # a flatbuffer that does not parse
            raise ModelCorruptError("model file is not a LiteRT flatbuffer",
                                    hint="run `shengqing models install --force`") from exc
        self._model = fb
        graph = fb.subgraphs[0]
        self._tensors = graph.tensors
        self._constants: dict[int, Any] = {}
        for index, tensor in enumerate(graph.tensors):
            data = fb.buffers[tensor.buffer].data
            if data is not None and len(data):
                self._constants[index] = self._decode_constant(tensor, data)
        self._inputs = [int(i) for i in graph.inputs]
        self._outputs = [int(i) for i in graph.outputs]
        self._ops = [self._prepare(op) for op in self._fuse([self._decode(op) for op in graph.operators])]
        self._drop_prepared_weights()
        self._release = self._release_plan()
        self._local = threading.local()
        del self._model  # the decoded operators and constants are all that is needed from here on

    # -- LiteRT-compatible surface ------------------------------------------------------------------
    def get_input_details(self) -> list[dict[str, Any]]:
        return [self._detail(i) for i in self._inputs]

    def get_output_details(self) -> list[dict[str, Any]]:
        return [self._detail(i) for i in self._outputs]

    def resize_tensor_input(self, index: int, shape: Any) -> None:
        """Shapes follow the data here; kept for API compatibility."""

    def allocate_tensors(self) -> None:
        """Nothing to plan: NumPy allocates per call."""

    @property
    def _fed(self) -> dict[int, Any]:
        fed: dict[int, Any] | None = getattr(self._local, "fed", None)
        if fed is None:
            fed = self._local.fed = {}
        return fed

    def set_tensor(self, index: int, value: np.ndarray) -> None:
        self._fed[index] = self._convert_input(value, self._tensors[index].type)

    def _convert_input(self, value: np.ndarray, tensor_type: int) -> Any:
        return np.array(value, dtype=_TYPES[tensor_type])

    def invoke(self) -> None:
        values: dict[int, Any] = dict(self._constants)
        values.update(self._fed)
        for op, released in zip(self._ops, self._release, strict=True):
            args = [values.get(i) for i in op.inputs]
            for index, result in zip(op.outputs, self._run(op, args), strict=True):
                values[index] = result
            for index in released:
                values.pop(index, None)
        self._local.values = {i: values[i] for i in self._outputs}

    def get_tensor(self, index: int) -> np.ndarray:
        value = self._local.values[index]
        if self._tensors[index].type == schema.TensorType.FLOAT32:
            return np.asarray(value, np.float32)
        return np.asarray(value)

    def _prepare(self, op: Op) -> Op:
        raise NotImplementedError

    def _fuse(self, ops: list[Op]) -> list[Op]:
        """Operator patterns a subclass runs as one kernel (none by default)."""
        return ops

    def _release_plan(self) -> list[list[int]]:
        """For each operator, the run-time tensors it reads for the last time: freed right after it, so a
        call holds only the live activations, not every intermediate of the graph."""
        last: dict[int, int] = {}
        for k, op in enumerate(self._ops):
            for i in op.inputs:
                if i >= 0 and i not in self._constants:
                    last[i] = k
        plan: list[list[int]] = [[] for _ in self._ops]
        keep = set(self._outputs)
        for index, k in last.items():
            if index not in keep:
                plan[k].append(index)
        return plan

    def _drop_prepared_weights(self) -> None:
        """Weights now held in prepared form are not kept a second time as raw constants."""
        prepared = {op.inputs[1] for op in self._ops if op.name in ("FULLY_CONNECTED", "CONV_2D")}
        still_read = {i for op in self._ops if op.name not in ("FULLY_CONNECTED", "CONV_2D") for i in op.inputs}
        for index in prepared - still_read:
            self._constants.pop(index, None)

    def _run(self, op: Op, args: list[Any]) -> list[Any]:
        raise NotImplementedError

    # -- decoding -----------------------------------------------------------------------------------
    def _detail(self, index: int) -> dict[str, Any]:
        tensor = self._tensors[index]
        shape = np.array(tensor.shape if tensor.shape is not None else [], np.int32)
        signature = tensor.shapeSignature if tensor.shapeSignature is not None else shape
        return {"name": tensor.name.decode(), "index": index, "shape": shape,
                "shape_signature": np.array(signature, np.int32)}

    @staticmethod
    def _decode_constant(tensor: schema.TensorT, data: np.ndarray) -> np.ndarray:
        raw_type = {schema.TensorType.FLOAT32: np.float32}.get(tensor.type, _TYPES.get(tensor.type))
        if raw_type is None:
            raise ModelCorruptError(f"unsupported constant type {tensor.type} in {tensor.name!r}")
        shape = [int(s) for s in tensor.shape] if tensor.shape is not None else []
        array = np.frombuffer(bytes(data), dtype=raw_type).reshape(shape)
        return array.astype(np.float64) if raw_type is np.float32 else array

    def _quant(self, index: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        tensor = self._tensors[index]
        q = tensor.quantization
        if q is None or q.scale is None or not len(q.scale):
            raise ModelCorruptError(f"tensor {tensor.name!r} has no quantisation parameters")
        lo, hi = _QUANT_RANGE.get(tensor.type, (0, 0))
        zero = np.asarray(q.zeroPoint if q.zeroPoint is not None else [0], np.float64)
        return np.asarray(q.scale, np.float64).astype(np.float32).astype(np.float64), zero, lo, hi

    def _decode(self, op: schema.OperatorT) -> Op:
        code = self._model.operatorCodes[op.opcodeIndex]
        name = _OP_NAMES.get(max(code.builtinCode, code.deprecatedBuiltinCode), "?")
        return Op(name, _options(op), [int(i) for i in op.inputs], [int(i) for i in op.outputs])

    def _weights(self, op: Op, *, dense: bool, single: bool = False) -> Weights:
        """The product weights of a FULLY_CONNECTED or CONV_2D operator (see :class:`.conv.Weights`;
        ``single``: float weights at 8 bits in single precision)."""
        index = op.inputs[1]
        values, tensor = self._constants[index], self._tensors[index]
        int8_scale = None
        if tensor.type == schema.TensorType.INT8:
            int8_scale, zero, _, _ = self._quant(index)
            if zero.any():
                raise ModelCorruptError(f"asymmetric weights in {tensor.name!r}")
        bias_index = op.inputs[2] if len(op.inputs) > 2 else -1
        bias = self._constants.get(bias_index) if bias_index >= 0 else None
        if dense:
            return Weights.prepare(values, int8_scale, bias, dense=True, concurrency=self.concurrency)
        options = op.options
        cout, kh, kw, cin = values.shape
        if options["strideW"] != 1 or options["strideH"] != 1 or (kh > 1 and kw > 1):
            raise ModelCorruptError("the portable kernels run stride-1 one-dimensional convolutions only")
        dilation = options["dilationHFactor"] if kh > 1 else options["dilationWFactor"]
        return Weights.prepare(values.reshape(cout, max(kh, kw), cin), int8_scale, bias, dense=False,
                               dilation=int(dilation), same=options["padding"] == schema.Padding.SAME,
                               single=single, concurrency=self.concurrency)


class PortableInterpreter(GraphInterpreter):
    """Any graph of the operators in :mod:`.kernels`, tensors in LiteRT's own layouts, floats as float64.

    Mish, exported as ``x · tanh(log(exp(x) + 1))`` (five operators, three transcendental functions over
    the widest tensors of the model), runs as one MISH kernel with a single exponential.
    """

    def _fuse(self, ops: list[Op]) -> list[Op]:
        readers: dict[int, list[int]] = {}
        for k, op in enumerate(ops):
            for i in op.inputs:
                readers.setdefault(i, []).append(k)
        kept: list[Op] = []
        skip: set[int] = set()
        for k, op in enumerate(ops):
            if k in skip:
                continue
            chain = self._mish_chain(ops, readers, k) if op.name == "EXP" else None
            if chain is None:
                kept.append(op)
                continue
            skip.update(chain)
            kept.append(Op("MISH", {}, [op.inputs[0]], list(ops[chain[-1]].outputs)))
        return kept

    def _mish_chain(self, ops: list[Op], readers: dict[int, list[int]], start: int) -> list[int] | None:
        """Indices of EXP → ADD 1 → LOG → TANH → MUL(x, ·) starting at ``start``, each the only reader of
        the previous output (the MUL's other input is the EXP's input), or None."""
        chain = [start]
        for name in ("ADD", "LOG", "TANH", "MUL"):
            users = readers.get(ops[chain[-1]].outputs[0], [])
            if len(users) != 1 or ops[users[0]].name != name:
                return None
            chain.append(users[0])
        add, mul = ops[chain[1]], ops[chain[4]]
        one = [np.asarray(self._constants[i]) for i in add.inputs if i in self._constants]
        if len(one) != 1 or one[0].size != 1 or float(one[0].reshape(-1)[0]) != 1.0:
            return None
        if ops[start].inputs[0] not in mul.inputs:
            return None
        return chain

    def _run(self, op: Op, args: list[Any]) -> list[np.ndarray]:
        return run_kernel(op, args)

    def _prepare(self, decoded: Op) -> Op:
        name = decoded.name
        if name not in KERNELS:
            raise ModelCorruptError(f"the portable kernels have no {name} operator",
                                    hint="use SHENGQING_KERNELS=fast for this model")
        if name in ("CAST", "SHAPE"):
            decoded.prepared["dtype"] = _TYPES[self._tensors[decoded.outputs[0]].type]
        elif name == "QUANTIZE":
            decoded.prepared["output_quant"] = self._quant(decoded.outputs[0])
        elif name == "DEQUANTIZE":
            decoded.prepared["input_quant"] = self._quant(decoded.inputs[0])
        elif name == "FULLY_CONNECTED":
            self._prepare_product(decoded, dense=True)
        elif name == "CONV_2D":
            self._prepare_product(decoded, dense=False)
        return decoded

    def _prepare_product(self, op: Op, *, dense: bool) -> None:
        op.prepared["weights"] = self._weights(op, dense=dense)
        if not dense:
            kh = self._constants[op.inputs[1]].shape[1]
            op.prepared["axis"] = 0 if kh > 1 else 1
