"""Training and cross-validating the emotion classifier (used by ``scripts/train_emotion.py`` and the tests).

Multinomial logistic regression with an L2 penalty, trained with numpy by full-batch Adam for a fixed number
of steps from zero weights: no randomness, and sums done by ``np.bincount`` (sequential, no BLAS), so the
same rows give the same file bit for bit. The vocabulary is the n-grams seen in at least ``min_count`` rows
(at most ``max_ngrams`` of them, most frequent first); every lexicon and cue feature is kept. After training,
features whose weights all round to 0 are dropped and at most ``keep`` n-grams are kept (largest weight
spread first), so the shipped file stays small. Not used at synthesis time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._emotion_features import features
from ._emotion_lexicon import TIE_ORDER, lexicon_choice
from ._emotion_model import SCALE, Model, format_model, parse
from .autoemotion import choose, quoted

#: class order of the model file; on an exact tie the first wins (neutral, then the calmer emotion)
CLASSES = ("neutral", *TIE_ORDER)
Row = tuple[str, str]  # (text, label)


@dataclass(frozen=True)
class Settings:
    penalty: float = 1e-4  # L2 weight per row (the loss is the mean cross-entropy)
    min_count: int = 2
    max_ngrams: int = 20000
    keep: int = 4000
    steps: int = 300
    learning_rate: float = 0.05
    lexicon: bool = True  # False: n-grams and the dialogue cue only (the ablation)


def row_features(text: str) -> dict[str, float]:
    """A table row's features; a row counts as dialogue when (mostly) quoted, as in ``eval emotion``."""
    return features(text, dialogue=quoted(text))


def train(rows: Sequence[Row], settings: Settings = Settings(),
          cached: Sequence[dict[str, float]] | None = None) -> Model:
    """A model trained on ``rows`` (``cached``: their :func:`row_features`, when already computed)."""
    values = list(cached) if cached is not None else [row_features(t) for t, _ in rows]
    counts = Counter(name for v in values for name in v)
    grams = sorted((n for n, c in counts.items() if c >= settings.min_count and len(n) <= 3),
                   key=lambda n: (-counts[n], n))[:settings.max_ngrams]
    others = sorted(n for n in counts if len(n) > 3 and (settings.lexicon or n == "cue:dialogue"))
    vocab = {name: i for i, name in enumerate([*others, *grams])}
    row_ids, col_ids, data = [], [], []
    for r, v in enumerate(values):
        for name, value in v.items():
            if name in vocab:
                row_ids.append(r)
                col_ids.append(vocab[name])
                data.append(value)
    rows_a, cols_a, data_a = np.array(row_ids), np.array(col_ids), np.array(data, dtype=np.float64)
    gold = np.array([CLASSES.index(label) for _, label in rows])
    weights, bias = _fit(rows_a, cols_a, data_a, gold, len(values), len(vocab), settings)
    names = list(vocab)
    rounded = np.round(weights * SCALE) / SCALE
    spread = rounded.max(axis=1) - rounded.min(axis=1)
    kept_grams = [i for i in sorted(range(len(names)), key=lambda i: (-spread[i], names[i]))
                  if spread[i] > 0 and len(names[i]) <= 3][:settings.keep]
    kept = sorted([i for i in range(len(others)) if spread[i] > 0] + kept_grams)
    table = {names[i]: tuple(float(w) for w in rounded[i]) for i in kept}
    return Model(CLASSES, tuple(float(b) for b in np.round(bias * SCALE) / SCALE), table)


def _fit(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, gold: np.ndarray, n_rows: int, n_features: int,
         settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    k = len(CLASSES)
    weights = np.zeros((n_features, k))
    bias = np.zeros(k)
    target = np.zeros((n_rows, k))
    target[np.arange(n_rows), gold] = 1.0
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, settings.steps + 1):
        logits = np.empty((n_rows, k))
        for c in range(k):
            logits[:, c] = np.bincount(rows, weights=data * weights[cols, c], minlength=n_rows) + bias[c]
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        error = (probs - target) / n_rows
        grad_w = np.empty_like(weights)
        for c in range(k):
            grad_w[:, c] = np.bincount(cols, weights=data * error[rows, c], minlength=n_features)
        grad_w += settings.penalty * weights
        grad_b = error.sum(axis=0)
        for param, grad, m, v in ((weights, grad_w, moments[0], moments[1]), (bias, grad_b, moments[2], moments[3])):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= settings.learning_rate * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + eps)
    return weights, bias


def folds(rows: Sequence[Row], k: int) -> list[int]:
    """A fold number per row, stratified: the i-th row of each label goes to fold i mod k."""
    seen: Counter[str] = Counter()
    out = []
    for _, label in rows:
        out.append(seen[label] % k)
        seen[label] += 1
    return out


def cross_validate(rows: Sequence[Row], k: int = 5, settings: Settings = Settings(),
                   extra: Sequence[Row] = ()) -> list[str]:
    """Each row's prediction by the model trained on the other folds (plus ``extra`` rows, always trained on)."""
    values = [row_features(t) for t, _ in rows]
    extra_values = [row_features(t) for t, _ in extra]
    fold_of = folds(rows, k)
    predicted = [""] * len(rows)
    for fold in range(k):
        train_idx = [i for i in range(len(rows)) if fold_of[i] != fold]
        model = roundtrip(train([*(rows[i] for i in train_idx), *extra],
                                settings, [*(values[i] for i in train_idx), *extra_values]))
        held = [i for i in range(len(rows)) if fold_of[i] == fold]
        for i, emotion in zip(held, classify([rows[i] for i in held], model), strict=True):
            predicted[i] = emotion
    return predicted


def classify(rows: Sequence[Row], model: Model) -> list[str]:
    """``model``'s choice per row, decided as ``emotion="auto"`` and ``eval emotion`` decide."""
    return [choose(text, dialogue=quoted(text), using=model).emotion for text, _ in rows]


def roundtrip(model: Model) -> Model:
    """``model`` as it is read back from its file (what ships is what is scored)."""
    return parse(format_model(model, ""))


def lexicon_only(rows: Sequence[Row]) -> list[str]:
    """The lexicon-only rule's decision per row (the baseline)."""
    return [lexicon_choice(text) for text, _ in rows]
