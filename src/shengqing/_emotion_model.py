"""The learned emotion classifier: a linear model over :mod:`._emotion_features`, shipped as a data file.

``data/emotion_model.tsv`` is written by ``scripts/train_emotion.py`` (multinomial logistic regression
trained with numpy); this module only reads it (once, lazily) and scores: per class, bias + Σ value ×
weight, then a softmax. Pure Python: a sentence has a few dozen features.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources

from .options import EMOTIONS

MODEL_FILE = "data/emotion_model.tsv"
BIAS = "bias"
#: weights are stored as integers in units of 1/SCALE (keeps the file small and its bytes reproducible)
SCALE = 100


@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class Prediction:
    emotion: str
    probabilities: dict[str, float]  # class → probability, rounded to 3 decimals
    decisive: tuple[tuple[str, float], ...]  # features that most favoured the winner over the mean class


def parse(text: str) -> Model:
    """A model from the file's text; raises ValueError naming the bad line."""
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    if not rows or rows[0][0] != "feature":
        raise ValueError(f"{MODEL_FILE}: the first row must be the header 'feature<TAB>class…'")
    classes = tuple(rows[0][1:])
    unknown = [c for c in classes if c not in EMOTIONS]
    if unknown:
        raise ValueError(f"{MODEL_FILE}: unknown classes {unknown}")
    weights: dict[str, tuple[float, ...]] = {}
    for number, row in enumerate(rows[1:], 2):
        if len(row) != len(classes) + 1:
            raise ValueError(f"{MODEL_FILE} row {number}: expected {len(classes) + 1} columns, got {len(row)}")
        weights[row[0]] = tuple(int(v) / SCALE for v in row[1:])
    bias = weights.pop(BIAS, None)
    if bias is None:
        raise ValueError(f"{MODEL_FILE}: no '{BIAS}' row")
    return Model(classes, bias, weights)


def format_model(model: Model, comment: str) -> str:
    """The file's text for ``model`` (weights rounded to 1/SCALE; features in the order given)."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines.append("\t".join(("feature", *model.classes)))
    for name, row in ((BIAS, model.bias), *model.weights.items()):
        lines.append("\t".join((name, *(str(round(w * SCALE)) for w in row))))
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=1)
def model() -> Model:
    return parse(resources.files("shengqing").joinpath(MODEL_FILE).read_text(encoding="utf-8"))


def predict(values: dict[str, float], using: Model | None = None, *, top: int = 3) -> Prediction:
    """The most probable class for one sentence's features, its probabilities and the deciding features."""
    chosen = model() if using is None else using
    totals = list(chosen.bias)
    present = [(name, value, chosen.weights[name]) for name, value in values.items() if name in chosen.weights]
    for _, value, row in present:
        for k, w in enumerate(row):
            totals[k] += value * w
    best = max(range(len(totals)), key=lambda k: (totals[k], -k))  # ties: the class listed first
    peak = totals[best]
    exps = [math.exp(t - peak) for t in totals]
    norm = sum(exps)
    probabilities = {c: round(e / norm, 3) for c, e in zip(chosen.classes, exps, strict=True)}
    pull = [(name, round(value * (row[best] - sum(row) / len(row)), 2)) for name, value, row in present]
    decisive = tuple(sorted((p for p in pull if p[1] > 0), key=lambda p: (-p[1], p[0]))[:top])
    return Prediction(chosen.classes[best], probabilities, decisive)
