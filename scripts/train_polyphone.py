"""Polyphone experiments on dev: tuning vs held-out figures, ablations, and the learned tables that were tried.

Usage::

    PYTHONPATH=src .venv/bin/python scripts/train_polyphone.py [--sent dev.sent --lb dev.lb] [--held-out]

Runs the frontend once over dev (~30–60 s), recording a :class:`~shengqing.frontend.polydecide.Trace` per
item, then prints accuracy on the tuning half, the held-out half (split by a hash of the line) and the
never-tuned quarter (held-out ∩ odd items: the previous weights and rules were written on even items), the
ablation of every component, and the net wins/losses of each context rule per half.

Learned tables (trained on the tuning half only, hyper-parameters chosen by 2-fold CV *inside* the tuning half;
a table would be evaluated on the held-out half, with ``--held-out``, only if it beat the base there):

* a per-character reading prior from the tuning half's gold labels (``alpha * log P(reading | char)``);
* a phrase-context table from pypinyin's phrase dictionary: reading counts of each polyphonic character
  given its left / right neighbour inside dictionary words (``w * log-ratio``), i.e. bigram evidence beyond
  whole-phrase n-grams.

Neither wins (see docs/frontend.md), so no table is shipped.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import math
import time
from collections.abc import Callable
from pathlib import Path

from shengqing.frontend import readings
from shengqing.frontend.evaluate import Row, accuracy, held_out, load, trace_items
from shengqing.frontend.polydecide import Components, Trace, decide
from shengqing.frontend.rules import CONTEXT_RULES

DEV = Path("/work/shared/data/polyphone")
Counts = dict[str, collections.Counter[str]]
Extra = Callable[[Trace, str, int], float]  # trace, candidate, number of candidates → score added


def _rescore(rows: list[Row], extra: Extra | None) -> int:
    """Correct items when ``extra`` is added to the evidence score of items decided by evidence."""
    correct = 0
    for trace, pred, gold in rows:
        if trace is None:
            correct += pred == gold
            continue
        ev = trace.evidence
        if extra is None or ev is None or trace.covering or trace.curated_words or trace.rules:
            correct += decide(trace) == gold
            continue
        scores = ev.scores()
        for c in scores:
            scores[c] += extra(trace, c, len(scores))
        correct += max(scores, key=lambda c: scores[c]) == gold
    return correct


def _gold_counts(rows: list[Row]) -> Counts:
    counts: Counts = collections.defaultdict(collections.Counter)
    for trace, _, gold in rows:
        if trace is not None and trace.evidence is not None:
            counts[trace.char][gold] += 1
    return counts


def _prior(counts: Counts, alpha: float, beta: float) -> Extra:
    def extra(trace: Trace, c: str, k: int) -> float:
        n = counts.get(trace.char)
        if not n:
            return 0.0
        return alpha * math.log((n[c] + beta) / (sum(n.values()) + beta * k))
    return extra


def _phrase_context() -> tuple[Counts, Counts]:
    tables, poly = readings.tables(), readings.polyphonic()
    left: Counts = collections.defaultdict(collections.Counter)
    right: Counts = collections.defaultdict(collections.Counter)
    for block in tables.blocks.values():
        for line in block.split("\n"):
            word, _, reading = line.partition("\t")
            syls = reading.split()
            if len(syls) != len(word):
                continue
            for j, ch in enumerate(word):
                if ch in poly:
                    left[ch + (word[j - 1] if j else "^")][syls[j]] += 1
                    right[ch + (word[j + 1] if j + 1 < len(word) else "$")][syls[j]] += 1
    return left, right


def _context_extra(left: Counts, right: Counts, w: float, beta: float) -> Extra:
    def ratio(n: collections.Counter[str] | None, c: str, k: int) -> float:
        if not n:
            return 0.0
        return math.log((n[c] + beta) / (sum(n.values()) + beta * k)) + math.log(k)

    def extra(trace: Trace, c: str, k: int) -> float:
        assert trace.evidence is not None
        s, i = trace.evidence.sentence, trace.evidence.position
        lk = trace.char + (s[i - 1] if i else "")
        rk = trace.char + (s[i + 1] if i + 1 < len(s) else "")
        return w * (ratio(left.get(lk), c, k) + ratio(right.get(rk), c, k))
    return extra


def _halves(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    def h(row: Row) -> int:
        ev = row[0].evidence if row[0] is not None else None
        return int(hashlib.sha256(ev.sentence.encode()).hexdigest(), 16) % 2 if ev is not None else 0
    return [r for r in rows if h(r) == 0], [r for r in rows if h(r) == 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sent", type=Path, default=DEV / "dev.sent")
    ap.add_argument("--lb", type=Path, default=DEV / "dev.lb")
    ap.add_argument("--held-out", action="store_true", help="also score the learned tables on the held-out half")
    args = ap.parse_args()

    items = load(args.sent, args.lb)
    t0 = time.perf_counter()
    rows = trace_items(items)
    print(f"{len(rows)} items traced in {time.perf_counter() - t0:.0f} s")
    flags = [held_out(it) for it in items]
    tune = [r for r, h in zip(rows, flags, strict=True) if not h]
    held = [r for r, h in zip(rows, flags, strict=True) if h]
    clean = [r for k, (r, h) in enumerate(zip(rows, flags, strict=True)) if h and k % 2]
    for name, parts in [("all components", Components()), ("- context rules", Components(rules=False)),
                        ("- curated words", Components(curated=False)), ("- dictionary", Components(dictionary=False)),
                        ("- n-grams", Components(ngrams=False)), ("- g2pM", Components(model=False))]:
        print(f"{name:16} tuning {accuracy(tune, parts):.2%} ({len(tune)})  held-out {accuracy(held, parts):.2%} "
              f"({len(held)})  never tuned {accuracy(clean, parts):.2%} ({len(clean)})  "
              f"all {accuracy(rows, parts):.2%}")
    for ch, rules in CONTEXT_RULES.items():
        for k, (reading, _, _) in enumerate(rules):
            parts = Components(dropped_rules=frozenset({(ch, k)}))
            nets = []
            for half in (tune, held):
                wins = sum(decide(t, Components()) == g != decide(t, parts) for t, _, g in half if t is not None)
                losses = sum(decide(t, parts) == g != decide(t, Components()) for t, _, g in half if t is not None)
                nets.append(f"+{wins}/-{losses}")
            print(f"rule {ch}#{k} {reading:7} tuning {nets[0]:7} held-out {nets[1]}")

    a, b = _halves(tune)
    base_cv = _rescore(a, None) + _rescore(b, None)
    print(f"base on the tuning half: {base_cv}/{len(tune)}")
    best: tuple[int, str, Extra | None] = (base_cv, "base", None)
    for alpha in (0.25, 0.5, 1.0, 2.0):
        cv = _rescore(a, _prior(_gold_counts(b), alpha, 1.0)) + _rescore(b, _prior(_gold_counts(a), alpha, 1.0))
        print(f"char prior alpha {alpha}: 2-fold on tuning {cv}/{len(tune)}")
        if cv > best[0]:
            best = (cv, f"char prior {alpha}", _prior(_gold_counts(tune), alpha, 1.0))
    left, right = _phrase_context()
    for w in (0.5, 1.0, 1.5, 2.0):
        extra = _context_extra(left, right, w, 1.0)
        cv = _rescore(tune, extra)  # built from pypinyin's data, not dev: the tuning half only picks w
        print(f"phrase context w {w}: tuning {cv}/{len(tune)}")
        if cv > best[0] + 5:  # a table must beat the base by more than noise (5 items) to be tried on held-out
            best = (cv, f"phrase context {w}", extra)
    print(f"best on tuning: {best[1]}")
    if args.held_out and best[2] is not None:
        print(f"held-out: base {_rescore(held, None)}/{len(held)}, {best[1]} {_rescore(held, best[2])}/{len(held)}")


if __name__ == "__main__":
    main()
