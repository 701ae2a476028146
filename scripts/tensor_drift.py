"""Where the acoustic model's three kernel families part ways, tensor by tensor.

    python scripts/tensor_drift.py [--texts tests/data/texts/standard.txt] [--out benchmarks/results/tensor_drift.json]

Feeds every phrase of the texts to FastSpeech2 three times — LiteRT's optimised kernels (``fast``), its
reference kernels (``reference``) and the portable interpreter — with every intermediate tensor kept, and
compares each float tensor the three produce at the same shape: the largest absolute difference over the
``fast`` tensor's peak. Also counts phonemes whose rounded duration differs between the families (one
frame more or less for one phoneme shifts the rest of the phrase, which dominates the aligned log-mel
distance between modes). Used for the figures in docs/consistency.md ("One mode against another").
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from shengqing import Synthesizer
from shengqing.options import SynthesisOptions
from shengqing.portable import PortableInterpreter
from shengqing.runtime import limit_blas_threads, model_bytes

PAIRS = (("portable", "fast"), ("reference", "fast"), ("portable", "reference"))


class _KeepingInterpreter(PortableInterpreter):
    """The portable interpreter with no tensor released: ``kept`` holds every value of the last call."""

    kept: dict[int, Any]

    def invoke(self) -> None:
        values: dict[int, Any] = dict(self._constants)
        values.update(self._fed)
        for op in self._ops:
            for index, result in zip(op.outputs, self._run(op, [values.get(i) for i in op.inputs]), strict=True):
                values[index] = result
        self.kept = values


def _litert(content: bytes, resolver: OpResolverType) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "preserve_all_tensors is for debugging": it is
        return Interpreter(model_content=content, experimental_preserve_all_tensors=True,
                           experimental_op_resolver_type=resolver)


def _feed(interpreter: Any, feed: dict[str, np.ndarray], *, litert: bool) -> None:
    details = {d["name"]: d for d in interpreter.get_input_details()}
    if litert:
        length = feed["input_ids"].shape[1]
        for detail in details.values():
            if list(detail["shape_signature"]) == [1, -1]:
                interpreter.resize_tensor_input(detail["index"], [1, length])
        interpreter.allocate_tensors()
    for name, value in feed.items():
        interpreter.set_tensor(details[name]["index"], value)
    interpreter.invoke()


def _tensor(interpreter: Any, index: int) -> np.ndarray | None:
    if isinstance(interpreter, _KeepingInterpreter):
        value = interpreter.kept.get(index)
        return None if value is None else np.asarray(value)
    try:
        return np.asarray(interpreter.get_tensor(index))
    except ValueError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=Path("tests/data/texts/standard.txt"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/tensor_drift.json"))
    args = parser.parse_args()
    limit_blas_threads()
    lines = [t.strip() for t in args.texts.read_text(encoding="utf-8").splitlines() if t.strip()]
    with Synthesizer(kernels="fast") as synth:
        plans = [p for t in lines for p in synth._plan(t, SynthesisOptions(), None) if p.ids.size]
        content = model_bytes(synth._acoustic._model)
    families = {"fast": _litert(content, OpResolverType.AUTO),
                "reference": _litert(content, OpResolverType.BUILTIN_REF),
                "portable": _KeepingInterpreter(content)}
    ops = families["portable"]._ops
    outputs = {d["name"]: d["index"] for d in families["portable"].get_output_details()}
    durations_out = outputs["Identity_2"]  # the rounded frames per phoneme (as shengqing.acoustic reads it)
    drift: dict[str, list[float]] = {f"{a}-{b}": [] for a, b in PAIRS}
    closer = compared = 0
    flips = {f"{a}-{b}": 0 for a, b in PAIRS}
    phonemes = 0
    for plan in plans:
        feed = {"input_ids": plan.ids.astype(np.int32).reshape(1, -1), "speaker_ids": np.zeros(1, np.int32),
                "speed_ratios": np.ones(1, np.float32), "f0_ratios": np.ones(1, np.float32),
                "energy_ratios": np.ones(1, np.float32), **plan.controls.as_inputs()}
        for name, interpreter in families.items():
            _feed(interpreter, feed, litert=name != "portable")
        for op in ops:
            for index in op.outputs:
                got = {name: _tensor(it, index) for name, it in families.items()}
                if any(v is None or v.dtype.kind != "f" for v in got.values()):
                    continue
                shapes = {v.shape for v in got.values() if v is not None}
                peak = float(np.max(np.abs(got["fast"]))) if got["fast"] is not None and got["fast"].size else 0.0
                if len(shapes) != 1 or peak == 0.0:
                    continue
                d = {f"{a}-{b}": float(np.max(np.abs(np.asarray(got[a], np.float64) - np.asarray(got[b], np.float64))))
                     / peak for a, b in PAIRS}
                if d["reference-fast"] == 0.0 and d["portable-fast"] == 0.0:
                    continue  # constants and integer-exact tensors
                for key, value in d.items():
                    drift[key].append(value)
                compared += 1
                closer += d["portable-fast"] < d["reference-fast"]
        rounded = {name: np.asarray(_tensor(it, durations_out)).reshape(-1) for name, it in families.items()}
        phonemes += rounded["fast"].size
        for a, b in PAIRS:
            flips[f"{a}-{b}"] += int(np.sum(rounded[a] != rounded[b]))
    result = {
        "texts": str(args.texts), "phrases": len(plans), "phonemes": phonemes, "tensors_compared": compared,
        "portable_closer_to_fast_than_reference_is": closer,
        "relative_max_difference": {k: {"median": statistics.median(v), "p90": float(np.percentile(v, 90))}
                                    for k, v in drift.items()},
        "duration_flips": flips,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
