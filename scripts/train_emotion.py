"""Train ``emotion="auto"``'s classifier and write ``src/shengqing/data/emotion_model.tsv``; or cross-validate.

Usage::

    PYTHONPATH=src .venv/bin/python scripts/train_emotion.py            # write the model file (bit for bit)
    PYTHONPATH=src .venv/bin/python scripts/train_emotion.py --cv       # figures: CV, lexicon-only, baseline
    PYTHONPATH=src .venv/bin/python scripts/train_emotion.py --grid     # hyper-parameter search by CV

The model is trained on ``tests/data/emotion/train.tsv`` plus ``dev.tsv`` (see docs/emotions.md for why dev
was added: 5-fold CV). ``heldout.tsv`` is never read here. Settings are ``emotiontrain.Settings()``.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from shengqing._emotion_model import format_model
from shengqing.emotioneval import load
from shengqing.emotiontrain import CLASSES, Row, Settings, classify, cross_validate, lexicon_only, roundtrip, train

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "emotion"
OUT = ROOT / "src" / "shengqing" / "data" / "emotion_model.tsv"
HEADER = """emotion="auto" classifier (MIT): multinomial logistic regression over character 1-3-grams, lexicon scores
and cues; written by scripts/train_emotion.py from tests/data/emotion/{train.tsv,dev.tsv}. Do not edit.
Columns: feature, then one weight per class in units of 1/100 (bias row first)."""


def table(rows: Sequence[Row], predicted: Sequence[str], title: str) -> str:
    per: dict[str, list[int]] = {c: [0, 0] for c in CLASSES}
    for (_, gold), got in zip(rows, predicted, strict=True):
        per[gold][0] += got == gold
        per[gold][1] += 1
    right = sum(ok for ok, _ in per.values())
    cells = "  ".join(f"{c} {ok / n:.1%}" for c, (ok, n) in per.items() if n)
    return f"{title:34} {right / len(rows):6.1%} ({right}/{len(rows)})  {cells}"


def accuracy(rows: Sequence[Row], predicted: Sequence[str]) -> float:
    return sum(g == p for (_, g), p in zip(rows, predicted, strict=True)) / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=DATA / "train.tsv")
    parser.add_argument("--dev", type=Path, default=DATA / "dev.tsv")
    parser.add_argument("--cv", action="store_true", help="print cross-validated figures, write nothing")
    parser.add_argument("--grid", action="store_true", help="search the settings by CV, write nothing")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    train_rows, dev_rows = load(args.train), load(args.dev)
    settings = Settings()
    if args.grid:
        grid(train_rows, dev_rows, args.folds)
    elif args.cv:
        report(train_rows, dev_rows, args.folds, settings)
    else:
        OUT.write_text(format_model(train([*train_rows, *dev_rows], settings), HEADER), encoding="utf-8")
        print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


def report(train_rows: list[Row], dev_rows: list[Row], k: int, settings: Settings) -> None:
    start = time.process_time()
    majority = Counter(g for _, g in train_rows).most_common(1)[0][1] / len(train_rows)
    print(f"majority-class baseline on train: {majority:.1%}")
    print(table(train_rows, lexicon_only(train_rows), "train: lexicon only"))
    print(table(train_rows, cross_validate(train_rows, k, settings), f"train: {k}-fold CV, train only"))
    print(table(train_rows, cross_validate(train_rows, k, settings, dev_rows), f"train: {k}-fold CV, +dev"))
    print(table(dev_rows, lexicon_only(dev_rows), "dev: lexicon only (tuned on dev)"))
    print(table(dev_rows, cross_validate(dev_rows, k, settings, train_rows), f"dev: {k}-fold CV, +train"))
    print(table(dev_rows, _trained_elsewhere(train_rows, dev_rows, settings), "dev: trained on train only"))
    bare = dataclasses.replace(settings, lexicon=False)
    print(table(train_rows, cross_validate(train_rows, k, bare, dev_rows), f"train: {k}-fold CV, +dev, no lexicon"))
    print(table(dev_rows, _trained_elsewhere(train_rows, dev_rows, bare), "dev: trained on train, no lexicon"))
    pooled = [*train_rows, *dev_rows]
    print(table(pooled, cross_validate(pooled, k, settings), f"train+dev pooled: {k}-fold CV"))
    print(f"CPU {time.process_time() - start:.1f} s")


def _trained_elsewhere(train_rows: list[Row], test_rows: list[Row], settings: Settings) -> list[str]:
    return classify(test_rows, roundtrip(train(train_rows, settings)))


def grid(train_rows: list[Row], dev_rows: list[Row], k: int) -> None:
    for penalty, keep, steps in itertools.product((1e-4, 3e-4), (3000, 4000), (300, 600)):
        settings = Settings(penalty=penalty, keep=keep, steps=steps)
        start = time.process_time()
        on_train = accuracy(train_rows, cross_validate(train_rows, k, settings, dev_rows))
        on_dev = accuracy(dev_rows, cross_validate(dev_rows, k, settings, train_rows))
        print(f"penalty={penalty:g} keep={keep} steps={steps}: train CV {on_train:.1%}  "
              f"dev CV {on_dev:.1%}  ({time.process_time() - start:.0f} s CPU)", flush=True)


if __name__ == "__main__":
    main()
