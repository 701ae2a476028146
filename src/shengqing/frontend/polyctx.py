"""Learned context correction for polyphones: a small log-linear reranker on top of the evidence score.

For a polyphonic character the base score of each candidate reading is the one of :func:`g2p.choose`
(BiLSTM log-probability + phrase-dictionary bonus + n-gram votes). This module adds a learned residual,
``score(c) = base(c) + w · f(c)``, where ``f`` are sparse indicator features conjoined with the character and
the candidate (neighbouring characters −3..+3, character bigrams around the target, the segmented word and its
neighbours) plus a few shared features (model probability, dictionary agreement, candidate = character
default, neutral tone). The weights are trained by softmax regression with L2 (pure Python SGD, a few
seconds for 10k items) and shipped as a small gzip TSV (``shengqing/data/frontend_polyphone_ctx.tsv.gz``);
the reranker only overrides the base choice when it beats it by a margin (``gate``), so it corrects only
where it is sure. Training code lives here so tests can run a cross-validation fold; the shipped file is
built by ``scripts/train_polyphone.py``.
"""

from __future__ import annotations

import gzip
import math
import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: Base-score weights (see :mod:`g2p`): phrase-dictionary bonus and per-n-gram bonus (max 2 counted).
DICT_WEIGHT: Final = 5.0
NGRAM_WEIGHT: Final = 2.0

DATA_FILE: Final = Path(__file__).resolve().parent.parent / "data" / "frontend_polyphone_ctx.tsv.gz"


@dataclass(frozen=True)
class Evidence:
    """Everything known about one polyphone occurrence when the rules did not decide it."""

    sentence: str
    index: int
    word: str                 # segmented word containing the character
    prev_word: str            # neighbouring words ("" at the sentence edge)
    next_word: str
    probs: dict[str, float]   # BiLSTM probability per candidate reading
    dict_reading: str         # phrase-dictionary reading of the character inside ``word`` ("" if none)
    ngrams: dict[str, int]    # reading → number of phrase-dictionary n-grams around the character agreeing
    default: str              # pypinyin's default reading of the character

    def base_scores(self) -> dict[str, float]:
        """The hand-tuned evidence score of every candidate."""
        scores = {c: math.log(p + 1e-9) for c, p in self.probs.items()}
        if self.dict_reading in scores:
            scores[self.dict_reading] += DICT_WEIGHT
        for reading, n in self.ngrams.items():
            if reading in scores:
                scores[reading] += NGRAM_WEIGHT * min(n, 2)
        return scores


def _context(ev: Evidence) -> list[str]:
    """Character-conjoined context features (without the candidate)."""
    s, i = ev.sentence, ev.index

    def at(k: int) -> str:
        j = i + k
        return s[j] if 0 <= j < len(s) else "#"

    feats = ["b", f"L1{at(-1)}", f"R1{at(1)}", f"L2{at(-2)}", f"R2{at(2)}", f"L3{at(-3)}", f"R3{at(3)}",
             f"LL{at(-2)}{at(-1)}", f"RR{at(1)}{at(2)}", f"LR{at(-1)}{at(1)}"]
    if len(ev.word) > 1:
        feats.append(f"W{ev.word}")
        feats.append(f"P{ev.word.index(s[i]) if s[i] in ev.word else 0}/{len(ev.word)}")
    else:
        feats.append(f"PW{ev.prev_word}")
        feats.append(f"NW{ev.next_word}")
    return feats


def features(ev: Evidence) -> dict[str, list[tuple[str, float]]]:
    """Feature list (name, value) per candidate reading."""
    ch = ev.sentence[ev.index]
    ctx = _context(ev)
    best = max(ev.probs, key=lambda c: ev.probs[c])
    out: dict[str, list[tuple[str, float]]] = {}
    for c, p in ev.probs.items():
        key = f"{ch}{c}"
        f: list[tuple[str, float]] = [(f"{key}|{x}", 1.0) for x in ctx]
        f.append(("lp", math.log(p + 1e-9) / 10.0))
        f.append((f"{key}|lp", math.log(p + 1e-9) / 10.0))
        f.append(("top", 1.0 if c == best else 0.0))
        f.append(("dict", 1.0 if c == ev.dict_reading else 0.0))
        f.append(("dflt", 1.0 if c == ev.default else 0.0))
        f.append((f"t{c[-1]}", 1.0))
        f.append(("ng", float(min(ev.ngrams.get(c, 0), 2))))
        out[c] = [x for x in f if x[1] != 0.0]
    return out


class ContextModel:
    """Weights of the reranker plus the override gate (minimum margin over the base choice)."""

    def __init__(self, weights: dict[str, float], gate: float) -> None:
        self.weights = weights
        self.gate = gate

    def scores(self, ev: Evidence) -> dict[str, float]:
        """Base score + learned residual per candidate."""
        base = ev.base_scores()
        w = self.weights
        return {c: base[c] + sum(w.get(n, 0.0) * v for n, v in fs) for c, fs in features(ev).items()}

    def choose(self, ev: Evidence) -> str:
        """The base choice unless the reranker prefers another reading by at least ``gate``."""
        base = ev.base_scores()
        base_choice = max(base, key=lambda c: base[c])
        scores = self.scores(ev)
        best = max(scores, key=lambda c: scores[c])
        if best != base_choice and scores[best] - scores[base_choice] >= self.gate:
            return best
        return base_choice

    def dump(self, path: Path, precision: int = 3) -> None:
        """Write the weights (rounded, zeros pruned) as a gzip TSV; the first line holds the gate."""
        lines = [f"#gate\t{self.gate}"]
        for name in sorted(self.weights):
            v = round(self.weights[name], precision)
            if v != 0.0:
                lines.append(f"{name}\t{v}")
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0))

    @classmethod
    def load(cls, path: Path) -> ContextModel:
        """Read a file written by :meth:`dump`."""
        weights: dict[str, float] = {}
        gate = math.inf
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
            name, _, value = line.rpartition("\t")
            if name == "#gate":
                gate = float(value)
            elif name:
                weights[name] = float(value)
        return cls(weights, gate)


def train(items: Sequence[tuple[Evidence, str]], epochs: int = 8, rate: float = 0.2, l2: float = 1e-4,
          gate: float = 1.0, seed: int = 0) -> ContextModel:
    """Softmax regression of the residual weights on (evidence, gold reading) pairs (gold must be a candidate).

    Plain SGD with lazily applied L2 shrinkage and a decaying learning rate; deterministic for a given seed.
    """
    data = [(features(ev), ev.base_scores(), gold) for ev, gold in items if gold in ev.probs]
    w: dict[str, float] = {}
    order = list(range(len(data)))
    rng = random.Random(seed)
    shrink = 1.0  # weights are stored divided by the accumulated shrinkage factor
    for epoch in range(epochs):
        rng.shuffle(order)
        eta = rate / (1.0 + epoch)
        for k in order:
            feats, base, gold = data[k]
            scores = {c: base[c] + shrink * sum(w.get(n, 0.0) * v for n, v in fs) for c, fs in feats.items()}
            top = max(scores.values())
            exp = {c: math.exp(s - top) for c, s in scores.items()}
            total = sum(exp.values())
            shrink *= 1.0 - eta * l2
            for c, fs in feats.items():
                g = (1.0 if c == gold else 0.0) - exp[c] / total
                if abs(g) < 1e-6:
                    continue
                step = eta * g / shrink
                for n, v in fs:
                    w[n] = w.get(n, 0.0) + step * v
    return ContextModel({n: v * shrink for n, v in w.items() if abs(v * shrink) >= 1e-3}, gate)


def accuracy(model: ContextModel | None, items: Iterable[tuple[Evidence, str]]) -> tuple[int, int]:
    """(correct, total) of the gated reranker (or of the base score when ``model`` is None)."""
    correct = total = 0
    for ev, gold in items:
        if model is None:
            base = ev.base_scores()
            pred = max(base, key=lambda c: base[c])
        else:
            pred = model.choose(ev)
        correct += pred == gold
        total += 1
    return correct, total


_lock = threading.Lock()
_model: ContextModel | None = None
_loaded = False


def shipped() -> ContextModel | None:
    """The shipped model (None if the data file is missing), loaded on first use (thread-safe)."""
    global _model, _loaded
    if not _loaded:
        with _lock:
            if not _loaded:
                _model = ContextModel.load(DATA_FILE) if DATA_FILE.exists() else None
                _loaded = True
    return _model
