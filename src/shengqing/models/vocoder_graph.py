"""Rewrites of the MB-MelGAN graph, done once at install: faster, and a fraction of the memory.

1. Each dilated convolution was exported as SPACE_TO_BATCH_ND → CONV_2D → BATCH_TO_SPACE_ND with its
   padding computed at run time by shape ops, which cut XNNPACK's graph into many partitions: it becomes
   one CONV_2D with a dilation factor. Every CONV_2D's separate bias ADD moves into the convolution.
   (Bit-identical.)
2. The upsampling TRANSPOSE_CONVs took their output shape from SHAPE → STRIDED_SLICE → MUL → PACK at run
   time, which made every downstream tensor *dynamic*: LiteRT then mallocs each op's output separately and
   keeps all of them (≈ 0.4 MB per mel frame), and re-does that whenever the input length changes. A
   stride-s transposed convolution with kernel 2s is s interleaved ordinary convolutions (the polyphase
   form): one CONV_2D with s × C outputs over taps t-1, t, t+1, then a RESHAPE that interleaves the phases.
   Shapes now follow from the input length at allocation time, so LiteRT plans one shared arena.
3. The PQMF synthesis (zero-insertion TRANSPOSE_CONV ×4, PAD 31, 63-tap CONV_2D over the 4 bands) becomes a
   16-tap polyphase CONV_2D at the sub-band rate and a RESHAPE: a quarter of the multiplications and no
   63-wide im2col buffer (it alone was 0.3 MB per frame).

2 and 3 are exact in arithmetic but sum in a different order: the waveform moves by float rounding
(≈ 1e-7 relative); rarely that flips the 8-bit sub-band quantisation the model applies before the PQMF by
one step (1/128).
"""

from __future__ import annotations

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from ..errors import ModelCorruptError
from ._graph import Graph, buffer, consumers, prune_unused, remove_dead_ops, serialize, single_chain

_OP = schema.BuiltinOperator


def optimize_vocoder(model_bytes: bytes) -> tuple[bytes, dict[str, int]]:
    """The install-time vocoder rewrite (see the module docstring) and counts of what it changed."""
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    graph = Graph(model)
    stats = _fold_dilations_and_biases(graph)
    stats["polyphase_synthesis"] = _polyphase_synthesis(graph)
    stats["polyphase_upsamplers"] = _polyphase_upsamplers(graph)
    stats["dead_ops_removed"] = remove_dead_ops(graph)
    stats["unused_bytes_dropped"] = prune_unused(graph)
    graph.prune_opcodes()
    return serialize(model, len(model_bytes)), stats


def _fold_dilations_and_biases(graph: Graph) -> dict[str, int]:
    model = graph.model
    ops = graph.sg.operators
    users = consumers(ops)
    drop: set[int] = set()
    dilated = 0
    for k, op in enumerate(ops):
        if graph.builtin_of(op) != schema.BuiltinOperator.SPACE_TO_BATCH_ND:
            continue
        chain = single_chain(graph, users, k, ("EXPAND_DIMS", "CONV_2D", "SQUEEZE", "BATCH_TO_SPACE_ND"))
        expand, conv, squeeze, to_space = chain
        block = int(np.frombuffer(buffer(model, graph.sg, int(op.inputs[1])), np.int32)[0])
        ops[expand].inputs = np.array([op.inputs[0], ops[expand].inputs[1]], np.int32)
        ops[conv].builtinOptions.dilationWFactor = block
        ops[conv].builtinOptions.dilationHFactor = 1
        for j in users.get(int(ops[to_space].outputs[0]), []):
            graph.rewire(j, int(ops[to_space].outputs[0]), int(ops[squeeze].outputs[0]))
        drop.update({k, to_space})
        dilated += 1
    graph.sg.operators = ops = [op for k, op in enumerate(ops) if k not in drop]
    users = consumers(ops)
    drop = set()
    fused = 0
    for op in ops:
        if graph.builtin_of(op) != schema.BuiltinOperator.CONV_2D or len(op.inputs) < 3:
            continue
        bias = buffer(model, graph.sg, int(op.inputs[2]))
        if not bias or np.frombuffer(bias, np.float32).any():
            continue
        squeeze_ops = users.get(int(op.outputs[0]), [])
        if len(squeeze_ops) != 1 or graph.builtin_of(ops[squeeze_ops[0]]) != schema.BuiltinOperator.SQUEEZE:
            continue
        squeezed = int(ops[squeeze_ops[0]].outputs[0])
        adds = users.get(squeezed, [])
        if len(adds) != 1 or graph.builtin_of(ops[adds[0]]) != schema.BuiltinOperator.ADD:
            continue
        add = ops[adds[0]]
        if add.builtinOptions is not None and add.builtinOptions.fusedActivationFunction:
            continue
        others = [int(i) for i in add.inputs if int(i) != squeezed]
        if len(others) != 1 or len(buffer(model, graph.sg, others[0])) != len(bias):
            continue
        op.inputs = np.array([op.inputs[0], op.inputs[1], others[0]], np.int32)
        for j in users.get(int(add.outputs[0]), []):
            graph.rewire(j, int(add.outputs[0]), squeezed)
        drop.add(adds[0])
        fused += 1
    graph.sg.operators = [op for k, op in enumerate(ops) if k not in drop]
    return {"dilated_convs": dilated, "fused_biases": fused}


def _conv(graph: Graph, inputs: list[int], output: int) -> schema.OperatorT:
    op = schema.OperatorT()
    op.opcodeIndex = graph.opcode(_OP.CONV_2D)
    op.inputs = np.array(inputs, np.int32)
    op.outputs = np.array([output], np.int32)
    options = schema.Conv2DOptionsT()
    options.padding = schema.Padding.SAME
    options.strideW = options.strideH = options.dilationWFactor = options.dilationHFactor = 1
    op.builtinOptionsType = schema.BuiltinOptions.Conv2DOptions
    op.builtinOptions = options
    return op


def _reshape(graph: Graph, source: int, output: int, shape: list[int], name: str) -> schema.OperatorT:
    new_shape = np.array(shape, np.int32)
    op = schema.OperatorT()
    op.opcodeIndex = graph.opcode(_OP.RESHAPE)
    op.inputs = np.array([source, graph.constant(name, new_shape)], np.int32)
    op.outputs = np.array([output], np.int32)
    options = schema.ReshapeOptionsT()
    options.newShape = new_shape
    op.builtinOptionsType = schema.BuiltinOptions.ReshapeOptions
    op.builtinOptions = options
    return op


def _polyphase_upsamplers(graph: Graph) -> int:
    """Each stride-s, kernel-2s, SAME TRANSPOSE_CONV along H → CONV_2D (s·C outputs, 3 taps) + RESHAPE."""
    ops = graph.sg.operators
    rewritten: list[schema.OperatorT] = []
    count = 0
    for op in ops:
        options = op.builtinOptions
        if graph.builtin_of(op) != _OP.TRANSPOSE_CONV or options.strideH <= 1:
            rewritten.append(op)
            continue
        weight_index, source = int(op.inputs[1]), int(op.inputs[2])
        weights = graph.weights(weight_index)  # [C_out, K, 1, C_in]
        c_out, kernel, _, c_in = weights.shape
        stride = int(options.strideH)
        if options.padding != schema.Padding.SAME or options.strideW != 1 or kernel != 2 * stride:
            raise ModelCorruptError("vocoder graph: an upsampler is not a SAME, kernel = 2 × stride transposed conv")
        # LiteRT: output o = i·s + k − before, before = (K − s) // 2. Phase p of output t reads input t − j
        # through tap k = j·s + p + before, for j ∈ {1, 0, −1} ↔ conv taps t−1, t, t+1.
        before = (kernel - stride) // 2
        phase = np.zeros((stride, c_out, 3, c_in), np.float32)
        for p in range(stride):
            for tap, j in enumerate((1, 0, -1)):
                k = j * stride + p + before
                if 0 <= k < kernel:
                    phase[p, :, tap, :] = weights[:, k, 0, :]
        name = graph.sg.tensors[weight_index].name.decode()
        filt = graph.constant(f"{name}/polyphase", phase.reshape(stride * c_out, 3, 1, c_in))
        bias = graph.constant(f"{name}/polyphase_bias", np.zeros(stride * c_out, np.float32))
        phases = graph.activation(f"{name}/phases", int(op.outputs[0]))
        rewritten += [_conv(graph, [source, filt, bias], phases),
                      _reshape(graph, phases, int(op.outputs[0]), [1, -1, 1, c_out], f"{name}/interleave")]
        count += 1
    graph.sg.operators = rewritten
    return count


def _polyphase_synthesis(graph: Graph) -> int:
    """TRANSPOSE_CONV (zero insertion) → SQUEEZE → PAD → EXPAND_DIMS → CONV_2D → SQUEEZE at the graph's end."""
    ops = graph.sg.operators
    start = max(k for k, op in enumerate(ops) if graph.builtin_of(op) == _OP.TRANSPOSE_CONV)
    expected = [_OP.TRANSPOSE_CONV, _OP.SQUEEZE, _OP.PAD, _OP.EXPAND_DIMS, _OP.CONV_2D, _OP.SQUEEZE]
    if [graph.builtin_of(op) for op in ops[start:]] != expected:
        raise ModelCorruptError("vocoder graph: unexpected operators in the PQMF synthesis")
    upsample, pad, conv = ops[start], ops[start + 2], ops[start + 4]
    insert = graph.weights(int(upsample.inputs[1]))  # [bands, 1, bands, bands]: gain on tap 0, band → band
    bands = insert.shape[0]
    gains = np.array([insert[c, 0, 0, c] for c in range(bands)], np.float32)
    if np.count_nonzero(insert) != bands or upsample.builtinOptions.strideW != bands:
        raise ModelCorruptError("vocoder graph: the PQMF upsampler is not a plain zero insertion")
    taps = graph.weights(int(conv.inputs[1]))[0, 0] * gains  # [63, bands]
    padding = int(np.frombuffer(buffer(graph.model, graph.sg, int(pad.inputs[1])), np.int32)[2])
    # Output n = bands·t + q reads sub-band sample t + d through tap bands·d + padding − q.
    offsets = [d for d in range(-padding, padding + 1)
               if any(0 <= bands * d + padding - q < len(taps) for q in range(bands))]
    if offsets[-1] + offsets[0] not in (0, 1):  # SAME padding puts an odd extra tap after
        raise ModelCorruptError("vocoder graph: PQMF filter is not centred")
    polyphase = np.zeros((bands, 1, len(offsets), bands), np.float32)
    for q in range(bands):
        for column, d in enumerate(offsets):
            k = bands * d + padding - q
            if 0 <= k < len(taps):
                polyphase[q, 0, column, :] = taps[k]
    source = int(upsample.inputs[2])
    bias = np.repeat(graph.weights(int(conv.inputs[2])), bands).astype(np.float32)
    phases = graph.activation("pqmf/phases", source)
    output = int(ops[-1].outputs[0])
    weights = [graph.constant("pqmf/polyphase", polyphase), graph.constant("pqmf/bias", bias)]
    graph.sg.operators = [*ops[:start], _conv(graph, [source, *weights], phases),
                          _reshape(graph, phases, output, [1, -1, 1], "pqmf/interleave")]
    return 1
