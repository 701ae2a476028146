"""In-process probes that ``benchmarks/run.py`` runs as child processes (shengqing's venv).

Each mode writes one JSON document to ``--out``; the process's own peak RSS (``ru_maxrss``) is part of it.

* ``first-audio`` — a cold process: import shengqing, build ``Synthesizer``, stream the text and stop the
  clock at the first chunk. Times are taken from ``BENCH_T0`` (the parent's ``time.time()`` just before it
  spawned this process), so interpreter start-up and imports are included.
* ``warm`` — one warm ``Synthesizer``: first-chunk and full latency per text size, RTF and per-stage
  timings (frontend, acoustic, vocoder, encode) per text, wall and CPU.
* ``kernels`` — bare LiteRT experiments: XNNPACK on/off, the install-time vocoder rewrite, interpreter
  threads, for the vocoder and the acoustic model.
"""

from __future__ import annotations

import time

_T_SCRIPT = time.time()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ENCODE_FORMATS = ("wav", "mp3", "opus", "flac")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def first_audio(args: argparse.Namespace) -> dict[str, Any]:
    t0 = float(os.environ.get("BENCH_T0", _T_SCRIPT))
    start = time.perf_counter()
    from shengqing import Synthesizer

    import_s = time.perf_counter() - start
    start = time.perf_counter()
    tts = Synthesizer(threads=args.threads)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    chunks = tts.stream(args.text)
    first = next(chunks)
    first_chunk_s = time.perf_counter() - start
    first_audio_s = time.time() - t0
    samples = len(first.samples) + sum(len(c.samples) for c in chunks)
    whole_s = time.perf_counter() - start
    tts.close()
    return {"mode": "first-audio", "kernels": str(tts.kernels), "threads": tts.threads, "chars": len(args.text),
            "script_start_s": _T_SCRIPT - t0,
            "import_s": import_s, "load_s": load_s, "first_chunk_call_s": first_chunk_s,
            "first_audio_s": first_audio_s, "first_chunk_audio_s": first.duration, "whole_call_s": whole_s,
            "audio_s": samples / 24000, "peak_rss_mb": peak_rss_mb()}


def _latency(tts: Any, text: str, reps: int) -> dict[str, Any]:
    firsts: list[float] = []
    fulls: list[float] = []
    audio_s = 0.0
    for _ in range(reps):
        start = time.perf_counter()
        chunks = tts.stream(text)
        first = next(chunks)
        firsts.append(time.perf_counter() - start)
        samples = len(first.samples) + sum(len(c.samples) for c in chunks)
        fulls.append(time.perf_counter() - start)
        audio_s = samples / 24000
    return {"chars": len(text), "audio_s": audio_s, "first_chunk_s": firsts, "full_s": fulls}


def _synth_record(tts: Any, text: str, reps: int, encode: bool) -> dict[str, Any]:
    walls: list[float] = []
    cpus: list[float] = []
    stages: list[dict[str, float]] = []
    audio_s = 0.0
    encode_s: dict[str, list[float]] = {fmt: [] for fmt in (ENCODE_FORMATS if encode else ())}
    for _ in range(reps):
        start, cpu = time.perf_counter(), time.process_time()
        audio = tts.synthesize(text)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        audio_s = audio.duration
        t = audio.timings
        stages.append({"frontend": t.frontend, "acoustic": t.acoustic, "vocoder": t.vocoder})
        for fmt in encode_s:
            start = time.perf_counter()
            audio.encode(fmt)
            encode_s[fmt].append(time.perf_counter() - start)
    return {"chars": len(text), "audio_s": audio_s, "wall_s": walls, "cpu_s": cpus, "stages": stages,
            "encode_s": encode_s, "phrases": audio.phrases}


def warm(args: argparse.Namespace) -> dict[str, Any]:
    from shengqing import Synthesizer

    texts: dict[str, Any] = json.loads(Path(args.texts_json).read_text(encoding="utf-8"))
    start = time.perf_counter()
    tts = Synthesizer(threads=args.threads)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    tts.warm_up()
    for line in texts["standard"][:2]:  # frontend dictionaries and every tensor shape path
        tts.synthesize(line)
    warm_s = time.perf_counter() - start
    rss_after_warm = peak_rss_mb()
    result: dict[str, Any] = {"mode": "warm", "kernels": str(tts.kernels), "threads": tts.threads, "load_s": load_s,
                              "warm_up_s": warm_s, "rss_after_warm_mb": rss_after_warm, "info": tts.info()}
    if "latency" in args.parts:
        result["latency"] = {size: _latency(tts, text, args.long_reps if len(text) >= 500 else args.reps)
                             for size, text in texts["sizes"].items()}
    if "rtf" in args.parts:
        # the standard texts: RTF = sum of warm walls / sum of audio over all passes (the reference's definition)
        per_text = [_synth_record(tts, line, args.rtf_reps, encode=True) for line in texts["standard"]]
        wall = sum(sum(r["wall_s"]) for r in per_text)
        cpu = sum(sum(r["cpu_s"]) for r in per_text)
        audio = sum(r["audio_s"] * len(r["wall_s"]) for r in per_text)
        stage_sum = {k: sum(s[k] for r in per_text for s in r["stages"]) for k in ("frontend", "acoustic", "vocoder")}
        stage_sum["encode_wav"] = sum(sum(r["encode_s"]["wav"]) for r in per_text)
        result["standard"] = {"per_text": per_text, "total_wall_s": wall, "total_cpu_s": cpu,
                              "total_audio_s": audio, "rtf": wall / audio, "rtf_cpu": cpu / audio,
                              "stage_s": stage_sum, "stage_rtf": {k: v / audio for k, v in stage_sum.items()}}
    if "lengths" in args.parts:
        result["lengths"] = [_synth_record(tts, text, args.length_reps, encode=True) for text in texts["lengths"]]
    tts.close()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def dequantize(model: bytes) -> bytes:
    """The graph with its int8 (dynamic-range) weights turned back into float32: hybrid kernels → float ones."""
    import flatbuffers
    import numpy as np
    from ai_edge_litert import schema_py_generated as schema

    graph = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in graph.operatorCodes]
    for subgraph in graph.subgraphs:
        # weights already behind a DEQUANTIZE op run as float anyway; leave those alone
        producer = {out: op for op in subgraph.operators for out in op.outputs}
        todo = [i for op in subgraph.operators if codes[op.opcodeIndex] == schema.BuiltinOperator.DEQUANTIZE
                for i in op.inputs]
        keep: set[int] = set()
        while todo:  # the int8 tensors feeding a DEQUANTIZE, also through GATHER and the like
            index = todo.pop()
            if index in keep or subgraph.tensors[index].type != schema.TensorType.INT8:
                continue
            keep.add(index)
            if index in producer:
                todo.extend(producer[index].inputs)
        for index, tensor in enumerate(subgraph.tensors):
            buffer = graph.buffers[tensor.buffer]
            if (tensor.type != schema.TensorType.INT8 or index in keep or buffer.data is None
                    or len(buffer.data) == 0):
                continue
            quant = tensor.quantization
            scale = np.asarray(quant.scale, np.float32)
            zero = np.asarray(quant.zeroPoint if quant.zeroPoint is not None else [0], np.float32)
            values = np.frombuffer(bytes(buffer.data), np.int8).astype(np.float32).reshape(tensor.shape)
            shape = [1] * values.ndim
            if scale.size > 1:
                shape[quant.quantizedDimension] = scale.size
            values = (values - zero.reshape(shape if zero.size > 1 else [1] * values.ndim)) * scale.reshape(shape)
            buffer.data = np.frombuffer(values.astype("<f4").tobytes(), np.uint8)
            tensor.type = schema.TensorType.FLOAT32
            tensor.quantization = None
    builder = flatbuffers.Builder(len(model) * 5)
    builder.Finish(graph.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _time_invokes(interpreter: Any, reps: int) -> float:
    interpreter.invoke()  # first invoke after allocation pays one-time costs
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        interpreter.invoke()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kernels(args: argparse.Namespace) -> dict[str, Any]:
    """Bare LiteRT: median invoke time of the vocoder on one 256-frame window and of the acoustic model."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from shengqing import Synthesizer
    from shengqing.models.store import ACOUSTIC_FILE, VOCODER_FILE
    from shengqing.runtime import allocate

    tts = Synthesizer(threads=1)
    folder: Path = tts.model.directory
    phrase = max(tts.frontend.phrases(args.text), key=lambda p: len(p.phones))  # the longest phrase
    ids = tts._ids(phrase.phones)
    from shengqing.acoustic import PhonemeControls

    mel = tts._acoustic.run(ids, PhonemeControls.neutral(len(ids))).mel
    frames = args.frames
    window = np.ascontiguousarray(np.resize(mel, (frames, 80)), np.float32)[None]
    audio_s = frames * 300 / 24000
    vocoders: dict[str, bytes] = {"optimized": tts.model.read_verified(VOCODER_FILE)}
    original = folder / "mb_melgan_original.tflite"
    if original.is_file():
        vocoders["original"] = original.read_bytes()
    resolvers = {"xnnpack": OpResolverType.AUTO, "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    rows: list[dict[str, Any]] = []
    for graph, model in vocoders.items():
        for resolver_name, resolver in resolvers.items():
            for threads in (1, 2):
                interpreter = Interpreter(model_content=model, num_threads=threads,
                                          experimental_op_resolver_type=resolver)
                index = interpreter.get_input_details()[0]["index"]
                interpreter.resize_tensor_input(index, [1, frames, 80])
                allocate(interpreter)
                interpreter.set_tensor(index, window)
                seconds = _time_invokes(interpreter, args.reps)
                rows.append({"stage": "vocoder", "graph": graph, "kernels": resolver_name, "threads": threads,
                             "frames": frames, "invoke_s": seconds, "rtf": seconds / audio_s})
                del interpreter
    shipped = tts.model.read_verified(ACOUSTIC_FILE)
    acoustic_graphs = {"int8": shipped, "float": dequantize(shipped)}
    acoustic_audio_s = len(mel) * 300 / 24000
    baseline: Any = None
    for graph, model in acoustic_graphs.items():
        for resolver_name, resolver in resolvers.items():
            for threads in (1, 2):
                interpreter = Interpreter(model_content=model, num_threads=threads,
                                          experimental_op_resolver_type=resolver)
                details = {d["name"]: d for d in interpreter.get_input_details()}
                for d in details.values():
                    if list(d["shape_signature"]) == [1, -1]:
                        interpreter.resize_tensor_input(d["index"], [1, len(ids)])
                allocate(interpreter)
                controls = PhonemeControls.neutral(len(ids)).as_inputs()
                feed = {"input_ids": ids.reshape(1, -1), "speaker_ids": np.zeros(1, np.int32),
                        "speed_ratios": np.ones(1, np.float32), "f0_ratios": np.ones(1, np.float32),
                        "energy_ratios": np.ones(1, np.float32), **controls}
                for name, value in feed.items():
                    interpreter.set_tensor(details[name]["index"], value)
                seconds = _time_invokes(interpreter, args.reps)
                out_index = {d["name"]: d["index"] for d in interpreter.get_output_details()}["Identity_1"]
                out = np.array(interpreter.get_tensor(out_index))
                if baseline is None:
                    baseline = out
                diff = float(np.max(np.abs(out - baseline))) if out.shape == baseline.shape else None
                rows.append({"stage": "acoustic", "graph": graph, "kernels": resolver_name, "threads": threads,
                             "phones": len(ids), "invoke_s": seconds, "rtf": seconds / acoustic_audio_s,
                             "bytes": len(model), "mel_max_abs_diff": diff,
                             "frames": int(out.shape[1]), "frames_baseline": int(baseline.shape[1])})
                del interpreter
    tts.close()
    return {"mode": "kernels", "rows": rows, "window_frames": frames, "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("first-audio", "warm", "kernels"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--text", default="你好，欢迎使用语音合成服务。")
    parser.add_argument("--texts-json", help="warm: {standard: [...], sizes: {name: text}, lengths: [...]}")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--long-reps", type=int, default=3, help="latency repetitions of texts ≥ 500 chars")
    parser.add_argument("--rtf-reps", type=int, default=3)
    parser.add_argument("--length-reps", type=int, default=1, help="passes over the composed texts of --parts lengths")
    parser.add_argument("--frames", type=int, default=256)
    parser.add_argument("--parts", default="latency,rtf,lengths")
    args = parser.parse_args()
    args.parts = set(args.parts.split(","))
    runner = {"first-audio": first_audio, "warm": warm, "kernels": kernels}[args.mode]
    result = runner(args)
    args.out.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.exit(0)


if __name__ == "__main__":
    main()
