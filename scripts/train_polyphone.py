"""Train and cross-validate the polyphone context reranker (:mod:`shengqing.frontend.polyctx`).

Usage::

    .venv/bin/python scripts/train_polyphone.py [--sent dev.sent --lb dev.lb] [--folds 5] [--write]

Collects the evidence of every item once (segmentation, BiLSTM probabilities, dictionary readings; ~50 s for
the 9.9k dev items), then runs k-fold cross-validation (interleaved folds: item k is in fold k mod K) for a
few override gates and reports mean ± standard deviation against the base system, plus the even/odd split
(train on even items, test on odd). With ``--write`` the model is trained on all items with the best gate and
written to ``src/shengqing/data/frontend_polyphone_ctx.tsv.gz``, which the frontend then uses; ship it only if
the cross-validated gain is real (see docs/frontend.md: on the CPP dev set it is not).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from shengqing.frontend import polyctx
from shengqing.frontend.evaluate import collect_evidence, load

DEV = Path("/work/shared/data/polyphone")
Row = tuple["polyctx.Evidence | None", str, str]


def _score(model: polyctx.ContextModel | None, rows: list[Row]) -> float:
    correct = 0
    for ev, pred, gold in rows:
        if model is not None and ev is not None:
            pred = model.choose(ev)
        correct += pred == gold
    return correct / len(rows)


def _split(rows: list[Row], test: list[bool]) -> tuple[list[tuple[polyctx.Evidence, str]], list[Row]]:
    train = [(ev, gold) for (ev, _, gold), t in zip(rows, test, strict=True) if not t and ev is not None]
    return train, [r for r, t in zip(rows, test, strict=True) if t]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sent", type=Path, default=DEV / "dev.sent")
    ap.add_argument("--lb", type=Path, default=DEV / "dev.lb")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--gates", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0, 3.0])
    ap.add_argument("--write", action="store_true", help="train on all items and write the shipped data file")
    args = ap.parse_args()

    t0 = time.perf_counter()
    rows = collect_evidence(load(args.sent, args.lb))
    print(f"{len(rows)} items, evidence collected in {time.perf_counter() - t0:.0f} s")

    base: list[float] = []
    by_gate: dict[float, list[float]] = {g: [] for g in args.gates}
    for fold in range(args.folds):
        train, test = _split(rows, [k % args.folds == fold for k in range(len(rows))])
        model = polyctx.train(train)
        base.append(_score(None, test))
        for gate in args.gates:
            model.gate = gate
            by_gate[gate].append(_score(model, test))

    def fmt(xs: list[float]) -> str:
        return f"{statistics.mean(xs):.2%} ± {statistics.pstdev(xs):.2%} (min {min(xs):.2%}, max {max(xs):.2%})"

    print(f"{args.folds}-fold CV, base system: {fmt(base)}")
    for gate, accs in by_gate.items():
        print(f"{args.folds}-fold CV, reranker gate {gate:.1f}: {fmt(accs)}")
    best_gate = max(args.gates, key=lambda g: (statistics.mean(by_gate[g]), g))

    train, test = _split(rows, [k % 2 == 1 for k in range(len(rows))])
    model = polyctx.train(train, gate=best_gate)
    print(f"even→odd: base {_score(None, test):.2%}, reranker (gate {best_gate}) {_score(model, test):.2%}")

    if args.write:
        model = polyctx.train([(ev, gold) for ev, _, gold in rows if ev is not None], gate=best_gate)
        model.dump(polyctx.DATA_FILE)
        print(f"wrote {polyctx.DATA_FILE} ({polyctx.DATA_FILE.stat().st_size / 1e3:.0f} kB, "
              f"{len(model.weights)} weights, gate {best_gate})")


if __name__ == "__main__":
    main()
