"""Frontend cold start and warm speed, two source trees measured interleaved (A/B) so machine load hits both.

Usage::

    .venv/bin/python scripts/frontend_speed_ab.py BEFORE_SRC AFTER_SRC [--rounds 15]

e.g. ``/work/main/src src``. Cold start: a fresh process imports the frontend and phonemizes one sentence
(wall time from inside, CPU time of the whole child process); warm: CPU time per character over the standard
texts, 300 dev sentences and the TN cases, best of 3 passes, in 3 processes. Compile bytecode for both trees
first (``python -m compileall -q SRC``), or the tree without ``__pycache__`` pays ~50 ms extra.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLD = ("import time;t=time.perf_counter();from shengqing.frontend import Frontend;"
        "Frontend().phrases('你好，欢迎使用语音合成服务。');print(time.perf_counter()-t)")
WARM = """
import sys, time
from shengqing.frontend import Frontend
repo, dev = sys.argv[1], sys.argv[2]
fe = Frontend()
lines = open(repo + "/tests/data/texts/standard.txt", encoding="utf-8").read().splitlines()
std = [x for x in lines if x.strip() and not x.startswith("#")]
cases = open(repo + "/tests/data/tn/news_cases.txt", encoding="utf-8").read().splitlines()
tn = [x.split("|")[0] for x in cases if "|" in x and not x.startswith("#")]
sents = open(dev, encoding="utf-8").read().replace("\\u2581", "").splitlines()[:300]
corpus = std * 3 + sents + ["，".join(tn[i:i + 10]) + "。" for i in range(0, len(tn), 10)]
fe.phrases("预热一下，2023年7月9日。")
n = sum(len(s) for s in corpus)
best = 1e9
for _ in range(3):
    c = time.process_time()
    for s in corpus:
        fe.phrases(s)
    best = min(best, (time.process_time() - c) * 1000 / n)
print(best, n)
"""


def _run(src: str, code: str, *args: str) -> tuple[list[str], float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code, *args], env={**os.environ, "PYTHONPATH": src},
                         capture_output=True, text=True, check=True).stdout.split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return out, cpu * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("before", help="src directory of the baseline")
    ap.add_argument("after", help="src directory of the change")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--dev", default=str(REPO / "tests/data/polyphone/dev.sent"))
    args = ap.parse_args()
    trees = {"before": args.before, "after": args.after}
    wall: dict[str, list[float]] = {k: [] for k in trees}
    cpu: dict[str, list[float]] = {k: [] for k in trees}
    warm: dict[str, list[float]] = {k: [] for k in trees}
    for src in trees.values():
        _run(src, COLD)  # build the caches once
    for i in range(args.rounds):
        for name in (list(trees) if i % 2 else list(reversed(trees))):
            out, used = _run(trees[name], COLD)
            wall[name].append(float(out[-1]) * 1000)
            cpu[name].append(used)
    chars = "?"
    for _ in range(3):
        for name, src in trees.items():
            out, _ = _run(src, WARM, str(REPO), args.dev)
            warm[name].append(float(out[0]))
            chars = out[1]
    for name in trees:
        print(f"{name:6} cold start wall median {statistics.median(wall[name]):.0f} ms, CPU median "
              f"{statistics.median(cpu[name]):.0f} ms ({args.rounds} processes); warm CPU median "
              f"{statistics.median(warm[name]):.4f} ms/char over {chars} characters")


if __name__ == "__main__":
    main()
