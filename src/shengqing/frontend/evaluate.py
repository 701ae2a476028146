"""Polyphone accuracy on a benchmark in the ``.sent`` / ``.lb`` format.

``.sent``: one sentence a line with the target character between two ``▁`` (U+2581); ``.lb``: the gold
reading, numbered tones, 5 = neutral, ü written ``u:``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shengqing.frontend.polydecide import Components, Trace

_MARK = "\u2581"


@dataclass(frozen=True)
class EvalResult:
    """Accuracy figures; ``errors`` lists (sentence, gold, predicted) of the first mistakes."""

    total: int
    correct: int
    errors: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    @property
    def accuracy(self) -> float:
        """Fraction of items read correctly (0.0 for an empty set)."""
        return self.correct / self.total if self.total else 0.0

    def format(self) -> str:
        """One-line summary."""
        return f"polyphone accuracy {self.accuracy:.2%} ({self.correct}/{self.total})"


def load(sent_path: str | Path, lb_path: str | Path) -> list[tuple[str, int, str]]:
    """(sentence without marks, index of the target character, gold canonical pinyin) triples."""
    from shengqing.frontend.phones import canonical

    sents = Path(sent_path).read_text(encoding="utf-8").splitlines()
    labels = Path(lb_path).read_text(encoding="utf-8").splitlines()
    if len(sents) != len(labels):
        raise ValueError(f"{sent_path} has {len(sents)} lines but {lb_path} has {len(labels)}")
    out: list[tuple[str, int, str]] = []
    for s, lb in zip(sents, labels, strict=True):
        if _MARK not in s:
            continue
        idx = s.index(_MARK)
        out.append((s.replace(_MARK, ""), idx, canonical(lb.strip())))
    return out


def held_out(item: tuple[str, int, str]) -> bool:
    """True for the held-out half of a benchmark, fixed by a hash of the item's ``.sent`` line."""
    from shengqing.frontend.tneval import held_out as by_hash

    sentence, idx, _ = item
    return by_hash(sentence[:idx] + _MARK + sentence[idx] + _MARK + sentence[idx + 1:], parts=2)


def split_items(items: list[tuple[str, int, str]], split: str) -> list[tuple[str, int, str]]:
    """``all`` items, or only the ``tuning`` or ``heldout`` half (see :func:`held_out`)."""
    if split == "all":
        return items
    if split not in ("tuning", "heldout"):
        raise ValueError(f"split must be all, tuning or heldout, not {split!r}")
    return [item for item in items if held_out(item) == (split == "heldout")]


def predict_char(sentence: str, index: int, collect: dict[int, Trace] | None = None) -> str:
    """The frontend's reading (before sandhi) of ``sentence[index]``; ``collect`` as in :func:`g2p.resolve`."""
    from shengqing.frontend import g2p
    from shengqing.frontend.g2p import Token

    words = g2p.segment(sentence)
    tokens = [Token(w, p) for w, p in words]
    offsets: list[int] = []
    pos = 0
    for t in tokens:
        offsets.append(pos)
        pos += len(t.word)
    g2p.resolve(tokens, sentence, offsets, collect)
    for t, start in zip(tokens, offsets, strict=True):
        if start <= index < start + len(t.word):
            return t.pinyin[index - start]
    return "?"


def eval_polyphone(sent_path: str | Path, lb_path: str | Path, max_errors: int = 50,
                   split: str = "all") -> EvalResult:
    """Accuracy of the frontend's polyphone disambiguation on a ``.sent``/``.lb`` pair (or one half of it)."""
    items = split_items(load(sent_path, lb_path), split)
    correct = 0
    errors: list[tuple[str, str, str]] = []
    for sentence, idx, gold in items:
        pred = predict_char(sentence, idx)
        if pred == gold:
            correct += 1
        elif len(errors) < max_errors:
            errors.append((sentence[:idx] + _MARK + sentence[idx] + _MARK + sentence[idx + 1:], gold, pred))
    return EvalResult(len(items), correct, tuple(errors))


Row = tuple["Trace | None", str, str]


def trace_items(items: list[tuple[str, int, str]]) -> list[Row]:
    """Per item: the :class:`Trace` of the target (None if nothing was decided for it), the frontend's
    reading and the gold reading. One pass of the frontend; :func:`accuracy` then scores any ablation."""
    out: list[Row] = []
    for sentence, idx, gold in items:
        found: dict[int, Trace] = {}
        pred = predict_char(sentence, idx, found)
        out.append((found.get(idx), pred, gold))
    return out


def accuracy(rows: list[Row], parts: Components | None = None) -> float:
    """Share of traced items read right with the given components (all of them by default)."""
    from shengqing.frontend.polydecide import ALL, decide

    parts = parts or ALL
    correct = sum((decide(t, parts) if t is not None else pred) == gold for t, pred, gold in rows)
    return correct / len(rows) if rows else 0.0
