"""Polyphone ideas tried against the tuning half of dev, with nested cross-validation; none is shipped.

Usage (needs the ``experiments`` extra, i.e. ``pip install pypinyin-dict``)::

    PYTHONPATH=src .venv/bin/python scripts/polyphone_experiments.py [--held-out]

Runs the frontend once over dev, recording a :class:`~shengqing.frontend.polydecide.Trace` per item, then
re-scores the items decided by evidence (no curated word, no context rule) with one extra signal added to the
shipped score. Every idea is a small grid of weights; the tuning half is cut into 5 folds by a hash of the
sentence and the *nested* figure picks the weight on 4 folds and scores the 5th, so it estimates what the
idea is worth on unseen text. An idea is scored on the held-out half (``--held-out``, one look) only if its
nested figure beats the base by at least 5 items. Ideas (all evidence independent of dev's labels except
the last two):

* ``word``: reading of the segmented word in the larger phrase dictionaries of pypinyin-dict (CC-CEDICT,
  large_pinyin, zdic 词典/成语; 150k words containing a polyphone, 115k of them not in pypinyin's phrases);
* ``ngram``: votes of every word of those dictionaries (2–8 characters) covering the character;
* ``prior``: log P(reading | character) counted over those dictionaries;
* ``context``: reading counts given the left / right neighbour (and neighbour pair) inside those words;
* ``window``: the BiLSTM re-run on a window around the character (or its clause), averaged with the full run;
* ``vote``: a global log-linear vote over 14 features (model log-probability, every dictionary signal above,
  default reading, neutral tone…), trained on 4 folds with L2 toward the shipped weights;
* ``finetune``: g2pM's last layer (32×876) fine-tuned on 4 folds with the dictionary bonuses in the loss.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from shengqing.frontend import polyphone, readings
from shengqing.frontend.evaluate import Row, held_out, load, trace_items
from shengqing.frontend.phones import canonical
from shengqing.frontend.polydecide import Trace, decide

DEV = Path("/work/shared/data/polyphone")
SOURCES = ("cc_cedict", "large_pinyin", "zdic_cibs", "zdic_cybs")
K = 5
Hit = tuple[int, int, str]  # span length, span start, reading of the character in it
Item = tuple[str, int, str, Row, list[Hit], int]  # sentence, index, gold, row, hits, fold
Extra = Callable[[Item, str], float]


def big_dictionaries(poly: frozenset[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Words (2–8 characters, with a polyphone) → canonical readings, per pypinyin-dict phrase source."""
    from pypinyin.contrib.tone_convert import to_tone3

    memo: dict[str, str] = {}
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for name in SOURCES:
        module = importlib.import_module(f"pypinyin_dict.phrase_pinyin_data.{name}")
        raw: dict[str, list[list[str]]] = module.phrases_dict
        table: dict[str, tuple[str, ...]] = {}
        for word, syls in raw.items():
            if 1 < len(word) <= 8 and len(syls) == len(word) and any(c in poly for c in word):
                table[word] = tuple(memo.setdefault(s[0], canonical(to_tone3(s[0], neutral_tone_with_five=True)))
                                    for s in syls)
        out[name] = table
    return out


def hits_of(sentence: str, i: int, big: dict[str, dict[str, tuple[str, ...]]]) -> list[Hit]:
    """Every dictionary word covering sentence[i] (all sources; a word listed twice counts twice)."""
    out: list[Hit] = []
    for table in big.values():
        for length in range(2, 9):
            for a in range(max(0, i - length + 1), i + 1):
                reading = table.get(sentence[a:a + length])
                if reading is not None and a + length <= len(sentence):
                    out.append((length, a, reading[i - a]))
    return out


def evidence_decided(item: Item) -> Trace | None:
    trace = item[3][0]
    if trace is None or trace.evidence is None or trace.covering or trace.curated_words or trace.rules:
        return None
    return trace


def correct(items: list[Item], extra: Extra | None) -> int:
    ok = 0
    for item in items:
        trace = evidence_decided(item)
        if trace is None or extra is None:
            t, pred, gold = item[3]
            ok += (decide(t) if t is not None else pred) == gold
            continue
        assert trace.evidence is not None
        scores = trace.evidence.scores()
        for c in scores:
            scores[c] += extra(item, c)
        ok += max(scores, key=lambda c: scores[c]) == item[2]
    return ok


def nested(items: list[Item], grid: list[tuple[str, Extra]]) -> tuple[int, int, str, int]:
    """(base, best weight on the whole tuning half, its label, nested CV): pick on 4 folds, score the 5th."""
    folds = [[it for it in items if it[5] == k] for k in range(K)]
    table = [[correct(f, extra) for f in folds] for _, extra in grid]
    base = sum(correct(f, None) for f in folds)
    best = max(range(len(grid)), key=lambda j: sum(table[j]))
    cv = sum(table[max(range(len(grid)), key=lambda j: (sum(table[j]) - table[j][k], -j))][k] for k in range(K))
    return base, sum(table[best]), grid[best][0], cv


def word_reading(big: dict[str, dict[str, tuple[str, ...]]], w: float) -> Extra:
    def extra(item: Item, c: str) -> float:
        ev = item[3][0].evidence  # type: ignore[union-attr]
        assert ev is not None
        start = next(a for a in range(ev.position - len(ev.word) + 1, ev.position + 1)
                     if ev.sentence[a:a + len(ev.word)] == ev.word)
        found = {t[ev.word][ev.position - start] for t in big.values() if ev.word in t and len(ev.word) > 1}
        return w if c in found else 0.0
    return extra


def ngram_votes(w: float, cap: int) -> Extra:
    return lambda item, c: w * min(sum(r == c for _, _, r in item[4]), cap)


def prior(counts: dict[str, collections.Counter[str]], alpha: float) -> Extra:
    def extra(item: Item, c: str) -> float:
        n = counts.get(item[0][item[1]], collections.Counter())
        cands = item[3][0].evidence.probs  # type: ignore[union-attr]
        return alpha * math.log((n[c] + 1) / (sum(n[x] for x in cands) + len(cands)))
    return extra


def dictionary_counts(big: dict[str, dict[str, tuple[str, ...]]], poly: frozenset[str]) -> dict[str, Any]:
    """Reading counts per character, and given the left / right neighbour(s) inside dictionary words."""
    tabs: dict[str, Any] = {k: collections.defaultdict(collections.Counter) for k in ("prior", "L", "R", "L2", "R2")}
    seen: set[str] = set()
    for table in big.values():
        for word, syls in table.items():
            if word in seen:
                continue
            seen.add(word)
            for j, ch in enumerate(word):
                if ch in poly:
                    tabs["prior"][ch][syls[j]] += 1
                    for key, ctx in (("L", word[j - 1:j]), ("R", word[j + 1:j + 2]),
                                     ("L2", word[max(0, j - 2):j] if j > 1 else ""), ("R2", word[j + 1:j + 3])):
                        if len(ctx) == (2 if key[-1] == "2" else 1):
                            tabs[key][ch + ctx][syls[j]] += 1
    return tabs


def context(tabs: dict[str, Any], w1: float, w2: float) -> Extra:
    def ratio(n: collections.Counter[str] | None, c: str, k: int) -> float:
        return math.log((n[c] + 0.5) / (sum(n.values()) + 0.5 * k)) + math.log(k) if n else 0.0

    def extra(item: Item, c: str) -> float:
        s, i = item[0], item[1]
        k = len(item[3][0].evidence.probs)  # type: ignore[union-attr]
        near = [("L", s[i - 1:i], w1), ("R", s[i + 1:i + 2], w1), ("L2", s[max(0, i - 2):i], w2),
                ("R2", s[i + 1:i + 3], w2)]
        return sum(w * ratio(tabs[key].get(s[i] + ctx), c, k) for key, ctx, w in near if ctx)
    return extra


def window_probs(items: list[Item]) -> dict[int, dict[str, dict[str, float]]]:
    """BiLSTM probabilities of each evidence-decided item re-run on its clause and on ±4/8/16 windows."""
    model = polyphone.model()
    out: dict[int, dict[str, dict[str, float]]] = {}
    for n, item in enumerate(items):
        if evidence_decided(item) is None:
            continue
        s, i = item[0], item[1]
        a = max(s.rfind(p, 0, i) for p in "，。；！？：、,;!?:") + 1
        b = min([x for x in (s.find(p, i) for p in "，。；！？：、,;!?:") if x >= 0], default=len(s))
        views = {"clause": (s[a:b], i - a)}
        views.update({f"±{k}": (s[max(0, i - k):i + k + 1], i - max(0, i - k)) for k in (4, 8, 16)})
        out[n] = {name: model.predict(text)[j].probs for name, (text, j) in views.items()}
    return out


def window(probs: dict[int, dict[str, dict[str, float]]], index: dict[int, int], view: str, w: float) -> Extra:
    def extra(item: Item, c: str) -> float:
        ev = item[3][0].evidence  # type: ignore[union-attr]
        alt = probs[index[id(item)]][view]
        return w * (math.log(alt.get(c, 0.0) + 1e-9) - math.log(ev.probs[c] + 1e-9))
    return extra


def learned_vote(items: list[Item], tabs: dict[str, Any]) -> list[tuple[float, int]]:
    """Nested-free 5-fold CV of a global log-linear vote (14 features, L2 toward the shipped 1/5/2 weights)."""
    names = ["logp", "dict", "ngram", "default", "prior", "neutral", "top", "bigword", "longest", "big_any",
             "n2", "n3", "n4", "nall"]

    def feats(item: Item) -> tuple[np.ndarray, np.ndarray] | None:
        trace = evidence_decided(item)
        if trace is None or trace.evidence is None or item[2] not in trace.evidence.probs:
            return None
        ev, hits = trace.evidence, item[4]
        longest = max((h[0] for h in hits), default=0)
        top = {h[2] for h in hits if h[0] == longest}
        pr = tabs["prior"].get(trace.char, collections.Counter())
        tot = sum(pr[c] for c in ev.probs)
        rows = [[max(math.log(p + 1e-9), -20.7), ev.dict_reading == c, min(ev.ngrams.get(c, 0), 2), c == ev.default,
                 math.log((pr[c] + 1) / (tot + len(ev.probs))), c.endswith("5"), p == max(ev.probs.values()),
                 any(r == c and ev.sentence[a:a + n] == ev.word for n, a, r in hits), top == {c},
                 any(r == c for _, _, r in hits)]
                + [min(sum(r == c and n == m for n, _, r in hits), 2) for m in (2, 3, 4)]
                + [min(sum(r == c for _, _, r in hits), 3)] for c, p in ev.probs.items()]
        return np.array(rows, dtype=float), np.array([c == item[2] for c in ev.probs], dtype=float)

    w0 = np.zeros(len(names))
    w0[:3] = (1.0, 5.0, 2.0)
    data = [(item, feats(item)) for item in items]
    width = max(len(f[1]) for _, f in data if f is not None)

    def padded(sel: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, y = np.zeros((len(sel), width, len(names))), np.zeros((len(sel), width))
        mask = np.full((len(sel), width), -1e9)
        for n, (fx, fy) in enumerate(sel):
            x[n, :len(fy)], y[n, :len(fy)], mask[n, :len(fy)] = fx, fy, 0.0
        return x, y, mask

    out: list[tuple[float, int]] = []
    for lam in (0.0, 0.003, 0.01, 0.03, 0.1):
        total = 0
        for k in range(K):
            x, y, mask = padded([f for it, f in data if f is not None and it[5] != k])
            w = w0.copy()
            for _ in range(400):
                z = x @ w + mask
                p = np.exp(z - z.max(1, keepdims=True))
                p /= p.sum(1, keepdims=True)
                w -= -np.einsum("nkf,nk->f", x, y - p) / len(x) + lam * (w - w0)
            test = [it for it, f in data if it[5] == k and f is None]
            total += correct(test, None)
            x, y, mask = padded([f for it, f in data if f is not None and it[5] == k])
            total += int(y[np.arange(len(y)), (x @ w + mask).argmax(1)].sum())
        out.append((lam, total))
    return out


def finetune(items: list[Item]) -> list[tuple[float, int]]:
    """5-fold CV of g2pM's last layer fine-tuned (ΔW, Δb with L2) on the combined score's cross-entropy."""
    model = polyphone.model()
    w1, b1 = model.w1.astype(float), model.b1.astype(float)
    width = max(len(c) for c in model.candidates.values())
    recs = []
    for item in items:
        trace = evidence_decided(item)
        if trace is None or trace.evidence is None:
            continue
        ev, s, i = trace.evidence, item[0], item[1]
        unk = model.char2idx["<UNK>"]
        ids = [model.char2idx["시"], *(model.char2idx.get(ch, unk) for ch in s), model.char2idx["끝"]]
        hid = np.concatenate([model._run(ids, model.fw)[i + 1], model._run(ids[::-1], model.bw)[::-1][i + 1]])
        cands = model.candidates[s[i]]
        cls, mask, bonus = np.zeros(width, dtype=int), np.full(width, -1e9), np.zeros(width)
        for j, (c, k) in enumerate(cands):
            cls[j], mask[j] = k, 0.0
            bonus[j] = 1e-3 * (c == ev.default) + 5.0 * (c == ev.dict_reading) + 2.0 * min(ev.ngrams.get(c, 0), 2)
        gold = [c for c, _ in cands].index(item[2]) if item[2] in ev.probs else -1
        recs.append((item[5], np.maximum(hid @ model.w0 + model.b0, 0.0), cls, mask, bonus, gold))

    def scores(sel: list[Any], dw: np.ndarray, db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, cls, mask, bonus = (np.array([r[j] for r in sel]) for j in (1, 2, 3, 4))
        z = np.einsum("nh,hnk->nk", h, (w1 + dw)[:, cls]) + (b1 + db)[cls] + mask
        z -= z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return logp + bonus + mask, h

    fixed = sum(correct([it], None) for it in items if evidence_decided(it) is None)
    out: list[tuple[float, int]] = []
    for lam in (0.1, 0.01, 0.001):
        total = fixed
        for k in range(K):
            train = [r for r in recs if r[0] != k and r[5] >= 0]
            gold = np.array([r[5] for r in train])
            cls = np.array([r[2] for r in train])
            dw, db = np.zeros_like(w1), np.zeros_like(b1)
            for _ in range(300):
                s, h = scores(train, dw, db)
                q = np.exp(s - s.max(1, keepdims=True))
                q /= q.sum(1, keepdims=True)
                q[np.arange(len(gold)), gold] -= 1.0  # d CE / d logit of the model = q - onehot
                q /= len(gold)
                gw, gb = np.zeros_like(dw), np.zeros_like(db)
                for j in range(cls.shape[1]):
                    np.add.at(gb, cls[:, j], q[:, j])
                    np.add.at(gw.T, cls[:, j], q[:, j, None] * h)
                dw -= 0.5 * (gw + lam * dw)
                db -= 0.5 * (gb + lam * db)
            test = [r for r in recs if r[0] == k]
            s, _ = scores(test, dw, db)
            total += int(sum(r[5] == j for r, j in zip(test, s.argmax(1), strict=True)))
        out.append((lam, total))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--held-out", action="store_true", help="score ideas that win nested CV on the held-out half")
    args = ap.parse_args()
    raw = load(DEV / "dev.sent", DEV / "dev.lb")
    rows = trace_items(raw)
    poly = readings.polyphonic()
    big = big_dictionaries(poly)
    tabs = dictionary_counts(big, poly)
    items: list[Item] = []
    for (s, i, gold), row in zip(raw, rows, strict=True):
        items.append((s, i, gold, row, hits_of(s, i, big) if row[0] is not None else [],
                      int(hashlib.sha256(s.encode()).hexdigest(), 16) % K))
    flags = [held_out(it) for it in raw]
    tune = [it for it, h in zip(items, flags, strict=True) if not h]
    held = [it for it, h in zip(items, flags, strict=True) if h]
    wp = window_probs(tune)
    index = {id(it): n for n, it in enumerate(tune)}
    ideas: dict[str, list[tuple[str, Extra]]] = {
        "word": [(f"w{w}", word_reading(big, w)) for w in (2, 3, 4, 5, 6, 8)],
        "ngram": [(f"w{w} cap{c}", ngram_votes(w, c)) for w in (0.5, 1, 2, 3) for c in (1, 2, 3)],
        "prior": [(f"a{a}", prior(tabs["prior"], a)) for a in (0.1, 0.2, 0.3, 0.5, 1.0)],
        "context": [(f"w{a}/{b}", context(tabs, a, b)) for a in (0, 0.25, 0.5, 1) for b in (0, 0.25, 0.5, 1)
                    if a or b],
        "window": [(f"{v} {w}", window(wp, index, v, w)) for v in ("clause", "±4", "±8", "±16")
                   for w in (0.25, 0.5, 0.75, 1.0)],
    }
    for name, grid in ideas.items():
        base, best, label, cv = nested(tune, grid)
        line = f"{name:8} tuning base {base}/{len(tune)}  best {best} ({label})  nested CV {cv}"
        if args.held_out and cv - base >= 5:
            extra = dict(grid)[label]
            line += f"  held-out base {correct(held, None)} → {correct(held, extra)} /{len(held)}"
        print(line, flush=True)
    for lam, total in learned_vote(tune, tabs):
        print(f"vote     lambda {lam}: 5-fold CV {total}/{len(tune)}", flush=True)
    for lam, total in finetune(tune):
        print(f"finetune L2 {lam}: 5-fold CV {total}/{len(tune)}", flush=True)


if __name__ == "__main__":
    main()
