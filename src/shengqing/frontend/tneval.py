"""Scoring text normalization on a table of cases, per category, with a held-out split.

A case file holds one ``written|spoken`` (or ``written~spoken``: the *last* ``~`` separates, the spoken side
never contains one) line per case, ``## category`` lines open a category, other ``#`` lines are comments.
Scoring follows the shared TN set: Latin letters and spaces are deleted and accepted variants folded
(二/两, 日/号, 幺/一, 〇/零, 摄氏度/度) before the character error rate is taken.

Every case belongs to the tuning part or the held-out part by a hash of its line (:func:`held_out`), fixed
before any rule was written against the file, so the held-out figure is an honest estimate; the same split
function serves the polyphone dev set (see :mod:`evaluate`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

#: Accepted spoken variants, folded on both sides before scoring.
_FOLDS = (("摄氏度", "度"), ("两", "二"), ("号", "日"), ("幺", "一"), ("〇", "零"))
_DROP = re.compile(r"[A-Za-z\s]")


def held_out(line: str, parts: int = 3) -> bool:
    """True for the held-out share (1/``parts``) of lines, decided by a stable hash of the line."""
    digest = hashlib.sha256(line.strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % parts == 0


@dataclass(frozen=True)
class Case:
    """One normalization case."""

    category: str
    written: str
    spoken: str
    held_out: bool


def parse(text: str, default_category: str = "all") -> list[Case]:
    """Cases of a case file's text (format in the module doc)."""
    cases: list[Case] = []
    category = default_category
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("##"):
            category = line.lstrip("#").strip() or default_category
            continue
        if line.startswith("#"):
            continue
        if "|" in line:
            written, _, spoken = line.partition("|")
        elif "~" in line:
            written, _, spoken = line.rpartition("~")
        else:
            raise ValueError(f"no '|' or '~' separator in case line: {line!r}")
        cases.append(Case(category, written, spoken, held_out(line)))
    return cases


def load(path: str | Path) -> list[Case]:
    """Cases of a case file."""
    return parse(Path(path).read_text(encoding="utf-8"))


def fold(text: str) -> str:
    """Text as scored: Latin letters and spaces deleted, accepted variants folded."""
    text = _DROP.sub("", text)
    for a, b in _FOLDS:
        text = text.replace(a, b)
    return text


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
    return row[-1]


@dataclass
class Score:
    """Character errors, reference characters, exact matches and cases of one category (or all)."""

    errors: int = 0
    chars: int = 0
    exact: int = 0
    cases: int = 0

    @property
    def cer(self) -> float:
        """Character error rate (0.0 for an empty set)."""
        return self.errors / self.chars if self.chars else 0.0

    @property
    def exact_rate(self) -> float:
        """Share of cases read exactly right (after folding)."""
        return self.exact / self.cases if self.cases else 0.0

    def add(self, output: str, reference: str) -> None:
        """Count one case."""
        out, ref = fold(output), fold(reference)
        err = edit_distance(out, ref)
        self.errors += err
        self.chars += len(ref)
        self.exact += err == 0
        self.cases += 1


def score(cases: Iterable[Case], system: Callable[[str], str]) -> dict[str, Score]:
    """Per-category scores of ``system`` (written → spoken) plus the key ``"ALL"`` for the total."""
    out: dict[str, Score] = {"ALL": Score()}
    for case in cases:
        produced = system(case.written)
        out.setdefault(case.category, Score()).add(produced, case.spoken)
        out["ALL"].add(produced, case.spoken)
    return out


def wetext_alone() -> Callable[[str], str]:
    """The bare ``wetext`` normalizer (the baseline our layer must never fall behind)."""
    from wetext import Normalizer

    normalizer = Normalizer(lang="zh", operator="tn")

    def run(text: str) -> str:
        return str(normalizer.normalize(text))

    return run


def select(cases: list[Case], split: str) -> list[Case]:
    """``all``, ``tuning`` or ``heldout`` cases."""
    if split == "all":
        return cases
    if split not in ("tuning", "heldout"):
        raise ValueError(f"split must be all, tuning or heldout, not {split!r}")
    return [c for c in cases if c.held_out == (split == "heldout")]


def format_table(scores: dict[str, Score], baseline: dict[str, Score] | None = None) -> str:
    """Readable per-category table (CER and exact match, optionally next to the baseline's)."""
    head = f"{'category':16} {'cases':>5} {'CER':>7} {'exact':>7}"
    if baseline is not None:
        head += f" {'wetext CER':>11} {'wetext exact':>13}"
    lines = [head]
    for name in sorted(scores, key=lambda k: (k == "ALL", k)):
        s = scores[name]
        line = f"{name:16} {s.cases:5d} {s.cer:7.2%} {s.exact_rate:7.1%}"
        if baseline is not None and name in baseline:
            b = baseline[name]
            line += f" {b.cer:11.2%} {b.exact_rate:13.1%}"
        lines.append(line)
    return "\n".join(lines)
