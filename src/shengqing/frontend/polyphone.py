"""Polyphone disambiguation model: g2pM's BiLSTM, re-implemented to expose probabilities.

g2pM ships a tiny one-layer BiLSTM (64-d embeddings, 2×32 hidden) as numpy arrays, but its own entry point
only returns the arg-max over *all* 876 classes. We run the same weights ourselves so that we can (a) restrict
the choice to the character's own readings and (b) get a confidence to weigh against dictionary evidence
(see :mod:`shengqing.frontend.g2p`). The weights are loaded once, lazily, under a lock.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from shengqing.frontend.cache import once
from shengqing.frontend.phones import canonical, is_valid

Array = npt.NDArray[np.float32]

_BOS: Final = "시"  # g2pM's sentence-boundary tokens, as stored in its vocabulary
_EOS: Final = "끝"
_UNK: Final = "<UNK>"


@dataclass(frozen=True)
class Prediction:
    """Model reading for one polyphonic character: best pinyin, its probability, all candidates."""

    pinyin: str
    prob: float
    probs: dict[str, float]


def _sigmoid(x: Array) -> Array:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float32)


class PolyphoneModel:
    """g2pM weights + cedict readings; ``predict(sentence)`` gives a :class:`Prediction` per polyphone."""

    def __init__(self) -> None:
        import g2pM  # only for locating its data files; its (slow, argmax-only) code is not used

        root = os.path.dirname(os.path.abspath(g2pM.__file__))

        def load(name: str) -> Any:
            with open(os.path.join(root, name), "rb") as fh:
                return pickle.load(fh)

        cedict: dict[str, list[str]] = load("digest_cedict.pkl")
        self.char2idx: dict[str, int] = load("char2idx.pkl")
        class2idx: dict[str, int] = load("class2idx.pkl")
        sd: dict[str, Array] = load("np_ckpt.pkl")
        self.emb = sd["embedding.weight"]
        self.fw = (sd["lstm.weight_ih_l0"].T.copy(), sd["lstm.weight_hh_l0"].T.copy(),
                   sd["lstm.bias_ih_l0"] + sd["lstm.bias_hh_l0"])
        self.bw = (sd["lstm.weight_ih_l0_reverse"].T.copy(), sd["lstm.weight_hh_l0_reverse"].T.copy(),
                   sd["lstm.bias_ih_l0_reverse"] + sd["lstm.bias_hh_l0_reverse"])
        self.w0, self.b0 = sd["logit_layer.0.weight"].T.copy(), sd["logit_layer.0.bias"]
        self.w1, self.b1 = sd["logit_layer.2.weight"].T.copy(), sd["logit_layer.2.bias"]
        # Candidate readings per polyphonic character, restricted to syllables the model can say.
        self.candidates: dict[str, list[tuple[str, int]]] = {}
        for ch, prons in cedict.items():
            if len(prons) < 2:
                continue
            cands: list[tuple[str, int]] = []
            for p in prons:
                syl = canonical(p)
                if is_valid(syl) and p in class2idx and all(c[0] != syl for c in cands):
                    cands.append((syl, class2idx[p]))
            if len(cands) >= 2:
                self.candidates[ch] = cands

    def is_polyphone(self, ch: str) -> bool:
        """True if the model has more than one reading for ``ch``."""
        return ch in self.candidates

    def _run(self, ids: list[int], weights: tuple[Array, Array, Array]) -> Array:
        w_ih, w_hh, b = weights
        hidden = w_hh.shape[0]
        xs = self.emb[ids] @ w_ih + b  # input projections of all steps at once
        h = np.zeros(hidden, dtype=np.float32)
        c = np.zeros(hidden, dtype=np.float32)
        out = np.empty((len(ids), hidden), dtype=np.float32)
        for t in range(len(ids)):
            g = xs[t] + h @ w_hh
            i, f = _sigmoid(g[:hidden]), _sigmoid(g[hidden:2 * hidden])
            cell = np.tanh(g[2 * hidden:3 * hidden])
            o = _sigmoid(g[3 * hidden:])
            c = f * c + i * cell
            h = o * np.tanh(c)
            out[t] = h
        return out

    def predict(self, sentence: str) -> dict[int, Prediction]:
        """Predictions for every polyphonic character of ``sentence``, keyed by character index."""
        targets = [i for i, ch in enumerate(sentence) if ch in self.candidates]
        if not targets:
            return {}
        unk = self.char2idx[_UNK]
        ids = [self.char2idx[_BOS], *(self.char2idx.get(ch, unk) for ch in sentence), self.char2idx[_EOS]]
        fw = self._run(ids, self.fw)
        bw = self._run(ids[::-1], self.bw)[::-1]
        pos = [t + 1 for t in targets]
        hid = np.concatenate([fw[pos], bw[pos]], axis=1)
        logits = np.maximum(hid @ self.w0 + self.b0, 0.0) @ self.w1 + self.b1
        result: dict[int, Prediction] = {}
        for row, idx in enumerate(targets):
            cands = self.candidates[sentence[idx]]
            scores = np.array([logits[row, k] for _, k in cands], dtype=np.float64)
            p = np.exp(scores - scores.max())
            p /= p.sum()
            probs = {syl: float(pr) for (syl, _), pr in zip(cands, p, strict=True)}
            best = max(probs, key=lambda s: probs[s])
            result[idx] = Prediction(best, probs[best], probs)
        return result


model: Callable[[], PolyphoneModel] = once(PolyphoneModel)
"""The shared model, loaded on first use (thread-safe)."""
