"""``./run.sh fuzz``: feed generated strings (hypothesis) to every layer that takes text from users.

Each string goes through:

* frontend — ``normalize`` and ``Frontend.analyze`` (normalisation, segmentation, pinyin, phones);
* ssml — ``ssml.parse``, ``silence_ms`` and ``plan_ssml`` on the string as it is and inside ``<speak>``;
* models — the pydantic bodies of ``/tts`` and ``/v1/audio/speech`` with the string in each text field,
  then the request → job conversion and the resource budget;
* http — the real FastAPI app in process (TestClient, real middlewares, cache, admission, encoders):
  one JSON request per string in a rotating shape (text, input, emotion/voice/format/model fields,
  unknown keys, SSML, raw non-JSON bytes). The engine is the real :class:`~shengqing.engine.Synthesizer`;
  every ``--synthesize-every``-th request synthesizes for real, the others run the engine's real planning
  (frontend or SSML → phone ids) and answer a short silence, so 100,000 strings take minutes, not days.

Expected outcomes are a result or a :class:`~shengqing.errors.ShengqingError` (pydantic's
``ValidationError`` for the models; any status below 500 with a JSON error body over HTTP). Anything else
is a failure: the shortest input per (layer, exception, place) is kept and shrunk by deleting pieces while
the same failure persists, then reported as a minimal repro. The script exits 1 when there is a failure.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_layers import Layers
from fuzz_strategies import fuzz_text

ROOT = Path(__file__).resolve().parents[1]
BATCH = 1_000  # strings per hypothesis run (a fresh seed each): bounds hypothesis's own bookkeeping


@dataclass
class Failure:
    layer: str
    signature: str
    text: str
    detail: str
    count: int = 1


@dataclass
class Tally:
    calls: Counter[str] = field(default_factory=Counter)
    cpu: Counter[str] = field(default_factory=Counter)  # CPU seconds per layer
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    failures: dict[tuple[str, str], Failure] = field(default_factory=dict)

    def outcome(self, layer: str, label: str) -> None:
        self.outcomes.setdefault(layer, Counter())[label] += 1


def _signature(exc: BaseException) -> str:
    """Exception type and the innermost shengqing frame (one bug, however many inputs hit it)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "shengqing" in f.filename] or \
        traceback.extract_tb(exc.__traceback__)[-1:]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {where}"


def shrink(text: str, fails: Callable[[str], bool]) -> str:
    """Delete pieces of ``text`` (halving sizes down to one character) while ``fails`` stays true."""
    size = max(1, len(text) // 2)
    while True:
        start = 0
        while start < len(text):
            candidate = text[:start] + text[start + size:]
            if candidate != text and fails(candidate):
                text = candidate
            else:
                start += size
        if size == 1:
            return text
        size = max(1, size // 2)


def run(strings: int, seed: int = 0, synthesize_every: int = 1000, progress: bool = True,
        checkpoint: Path | None = None) -> dict[str, Any]:
    """Feed ``strings`` generated strings to every layer; after each batch the figures so far are written
    to ``checkpoint`` (a stopped run still says how far it got)."""
    import warnings

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed

    warnings.simplefilter("error", RuntimeWarning)  # as in the test suite: a NaN on the way is a failure
    layers = Layers(synthesize_every)
    tally = Tally()
    checks: dict[str, Callable[[str, int], str]] = {
        "frontend": lambda t, _i: layers.frontend_layer(t),
        "ssml": lambda t, _i: layers.ssml_layer(t),
        "models": lambda t, _i: layers.models_layer(t),
        "http": layers.http_layer,
    }
    fed = 0
    distinct: set[int] = set()
    started, cpu_started = time.monotonic(), time.process_time()

    def feed(text: str) -> None:
        nonlocal fed
        if fed >= strings:
            return
        distinct.add(hash(text))
        for layer, check in checks.items():
            tally.calls[layer] += 1
            layer_started = time.process_time()
            try:
                tally.outcome(layer, check(text, fed))
            except Exception as exc:  # an unexpected outcome: keep the shortest input per bug
                tally.outcome(layer, "UNEXPECTED")
                key = (layer, _signature(exc))
                known = tally.failures.get(key)
                detail = "".join(traceback.format_exception(exc)[-6:])
                if known is None:
                    tally.failures[key] = Failure(layer, key[1], text, detail)
                else:
                    known.count += 1
                    if len(text) < len(known.text):
                        known.text, known.detail = text, detail
            finally:
                tally.cpu[layer] += time.process_time() - layer_started
        fed += 1
        if progress and fed % 1000 == 0:
            print(f"fuzz: {fed} strings, {time.monotonic() - started:.0f} s, "
                  f"{sum(f.count for f in tally.failures.values())} failures", file=sys.stderr, flush=True)

    def summary(failures: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "strings": fed, "distinct": len(distinct), "seed": seed, "batches": batch,
            "calls": dict(tally.calls), "layer_cpu_seconds": {k: round(v, 1) for k, v in tally.cpu.items()},
            "http_requests": layers.http_requests, "synthesized": layers.synthesized,
            "outcomes": {layer: dict(c.most_common()) for layer, c in tally.outcomes.items()},
            "unexpected": sum(f["inputs"] for f in failures), "failures": failures,
            "seconds": round(time.monotonic() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }

    def write_checkpoint(*_: object) -> None:
        if checkpoint is not None:
            raw = [{"layer": f.layer, "failure": f.signature, "inputs": f.count, "minimal": f.text,
                    "detail": f.detail} for f in tally.failures.values()]
            checkpoint.write_text(json.dumps(summary(raw)), encoding="utf-8")

    if checkpoint is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGUSR1, write_checkpoint)  # `kill -USR1`: the figures so far, now

    batch = 0
    while fed < strings:
        size = min(BATCH, strings - fed)
        run_batch = settings(max_examples=size, database=None, deadline=None, phases=[Phase.generate],
                             suppress_health_check=list(HealthCheck))(given(fuzz_text())(feed))
        with_seed(seed * 1000 + batch)(run_batch)()
        batch += 1
        write_checkpoint()
    failures = []
    for (layer, signature), failure in tally.failures.items():
        def same(candidate: str, layer: str = layer, signature: str = signature) -> bool:
            try:
                checks[layer](candidate, 1)  # index 1: the planning engine, the first HTTP shape after /tts pcm
            except Exception as exc:
                return _signature(exc) == signature
            return False

        minimal = shrink(failure.text, same) if same(failure.text) else failure.text
        failures.append({"layer": layer, "failure": signature, "inputs": failure.count, "minimal": minimal,
                         "shortest_seen": failure.text[:500], "detail": failure.detail})
    layers.close()
    return summary(failures)


def run_parallel(strings: int, seed: int, synthesize_every: int, jobs: int,
                 checkpoint: Path | None = None) -> dict[str, Any]:
    """``run`` split over ``jobs`` processes (seeds ``seed * 100 + job``), results merged."""
    if jobs <= 1:
        return run(strings, seed, synthesize_every, checkpoint=checkpoint)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    started = time.monotonic()
    shares = [strings // jobs + (1 if job < strings % jobs else 0) for job in range(jobs)]
    checkpoints = [checkpoint.with_suffix(f".job{job}.json") if checkpoint else None for job in range(jobs)]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = list(pool.map(run, shares, [seed * 100 + job for job in range(jobs)],
                              [synthesize_every] * jobs, [job == 0 for job in range(jobs)], checkpoints))
    result = merge(parts, seed)
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def merge(parts: list[dict[str, Any]], seed: int) -> dict[str, Any]:
    """The results of several processes as one (counts added, failures joined by bug)."""
    jobs = len(parts)
    merged: dict[str, Any] = {"strings": 0, "distinct": 0, "seed": seed, "jobs": jobs, "batches": 0, "calls": Counter(),
                              "layer_cpu_seconds": Counter(),
                              "http_requests": 0, "synthesized": 0, "outcomes": {}, "unexpected": 0,
                              "failures": [], "cpu_seconds": 0.0, "max_rss_mb": 0.0}
    failures: dict[tuple[str, str], dict[str, Any]] = {}
    for part in parts:
        for key in ("strings", "distinct", "batches", "http_requests", "synthesized", "unexpected", "cpu_seconds"):
            merged[key] += part[key]
        merged["calls"].update(part["calls"])
        merged["layer_cpu_seconds"].update(part["layer_cpu_seconds"])
        merged["max_rss_mb"] = max(merged["max_rss_mb"], part["max_rss_mb"])
        for layer, counts in part["outcomes"].items():
            merged["outcomes"].setdefault(layer, Counter()).update(counts)
        for failure in part["failures"]:
            known = failures.setdefault((failure["layer"], failure["failure"]), failure)
            if known is not failure:
                known["inputs"] += failure["inputs"]
                if len(failure["minimal"]) < len(known["minimal"]):
                    known.update(minimal=failure["minimal"], detail=failure["detail"])
    merged["calls"] = dict(merged["calls"])
    merged["layer_cpu_seconds"] = {k: round(v, 1) for k, v in merged["layer_cpu_seconds"].items()}
    merged["outcomes"] = {layer: dict(c.most_common()) for layer, c in merged["outcomes"].items()}
    merged["failures"] = list(failures.values())
    merged["cpu_seconds"] = round(merged["cpu_seconds"], 1)
    merged["seconds"] = max(part["seconds"] for part in parts)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strings", type=int, default=100_000, help="strings to generate (default 100,000)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (a run is reproducible)")
    parser.add_argument("--synthesize-every", type=int, default=1000,
                        help="every N-th HTTP request synthesizes for real (default 1000)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (each loads its own model)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the result as JSON here (and the figures so far beside it, per batch)")
    parser.add_argument("--merge", type=Path, nargs="+", default=None,
                        help="only merge the per-process checkpoints of a stopped run")
    args = parser.parse_args(argv)
    if args.merge:
        result = merge([json.loads(path.read_text(encoding="utf-8")) for path in args.merge], args.seed)
    else:
        result = run_parallel(args.strings, args.seed, args.synthesize_every, args.jobs, args.out)
    text = json.dumps(result, indent=1)  # ASCII: minimal repros may hold lone surrogates
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    summary = {k: v for k, v in result.items() if k not in ("failures", "outcomes")}
    print(json.dumps(summary, ensure_ascii=False))
    for failure in result["failures"]:
        print(f"FAIL [{failure['layer']}] {failure['failure']} ({failure['inputs']} inputs): "
              f"minimal repro {failure['minimal']!r}\n{failure['detail']}", file=sys.stderr)
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
