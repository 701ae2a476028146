"""Score ``emotion="auto"`` on a labelled table: ``shengqing eval emotion FILE``.

FILE is UTF-8 TSV, one sentence a line. With a header line naming a ``text`` column and a ``label`` (or
``emotion``) column those are used; without one, the label is whichever of the first two columns is an
emotion name. Labels may be preset names or aliases, or the DUTIR classes 乐 好 怒 哀 惧 恶 惊; lines
starting with ``#`` are comments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .autoemotion import choose, quoted
from .errors import InvalidOptionError
from .options import canonical_emotion

#: the DUTIR affective lexicon's seven classes → our presets (好, praise and affection, → gentle)
DUTIR_CLASSES = {"乐": "happy", "好": "gentle", "怒": "angry", "哀": "sad", "惧": "fear", "恶": "hate",
                 "惊": "surprise"}


@dataclass(frozen=True)
class Scores:
    total: int
    correct: int
    per_class: dict[str, tuple[int, int]]  # gold label → (correct, count)
    majority: str
    confusion: Counter[tuple[str, str]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def majority_accuracy(self) -> float:
        return self.per_class[self.majority][1] / self.total if self.total else 0.0

    def format(self) -> str:
        lines = [f"{'class':10} {'n':>5} {'correct':>8} {'accuracy':>9}"]
        for name, (ok, n) in sorted(self.per_class.items()):
            lines.append(f"{name:10} {n:5d} {ok:8d} {ok / n:9.1%}")
        lines.append(f"{'all':10} {self.total:5d} {self.correct:8d} {self.accuracy:9.1%}")
        lines.append(f"majority-class baseline (always {self.majority}): {self.majority_accuracy:.1%}")
        return "\n".join(lines)


def label_name(raw: str) -> str:
    raw = raw.strip()
    return DUTIR_CLASSES.get(raw) or canonical_emotion(raw)


def _is_label(raw: str) -> bool:
    try:
        label_name(raw)
    except InvalidOptionError:
        return False
    return True


def load(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs; raises :class:`InvalidOptionError` naming the bad line."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8-sig").splitlines()
            if line.strip() and not line.startswith("#")]
    if not rows:
        raise InvalidOptionError(f"{path} holds no rows", field="file")
    header = [c.strip().lower() for c in rows[0]]
    text_col = label_col = -1
    if "text" in header and ("label" in header or "emotion" in header):
        text_col, label_col = header.index("text"), header.index("label" if "label" in header else "emotion")
        rows = rows[1:]
    items = []
    for number, row in enumerate(rows, 1):
        if len(row) < 2:
            raise InvalidOptionError(f"{path} row {number}: expected TEXT and LABEL separated by a tab",
                                     field="file")
        if label_col < 0:
            label_col, text_col = (0, 1) if _is_label(row[0]) else (1, 0)
        try:
            items.append((row[text_col].strip(), label_name(row[label_col])))
        except InvalidOptionError as exc:
            raise InvalidOptionError(f"{path} row {number}: {exc.message}", field="file") from None
    return items


def score(items: list[tuple[str, str]]) -> Scores:
    per_class: dict[str, list[int]] = {}
    confusion: Counter[tuple[str, str]] = Counter()
    for text, gold in items:
        predicted = choose(text, dialogue=quoted(text)).emotion
        entry = per_class.setdefault(gold, [0, 0])
        entry[0] += predicted == gold
        entry[1] += 1
        confusion[gold, predicted] += 1
    counts = {name: n for name, (_, n) in per_class.items()}
    majority = max(sorted(counts), key=lambda name: counts[name])
    return Scores(len(items), sum(ok for ok, _ in per_class.values()),
                  {k: (v[0], v[1]) for k, v in per_class.items()}, majority, confusion)
