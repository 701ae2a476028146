"""Typed stretches of normalized text: how a stretch must be read (plain text, digit string, spelled)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

TEXT: Final = "text"
PHONE: Final = "phone"  # digit string read with 幺 for 1
SPELL: Final = "spell"  # letters read one by one (URLs, e-mails)


@dataclass(frozen=True)
class Piece:
    """A stretch of normalized text and how it must be read."""

    text: str
    kind: str = TEXT
    #: Where each character of ``text`` came from in the text given to the normalizer: one ``(start, end)``
    #: per character (a rewritten stretch, e.g. a number with its unit, gives every character of its reading
    #: the whole stretch). Used for timestamps; empty when not tracked; not part of equality.
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)


Spans = tuple[tuple[int, int], ...]


def identity_spans(text: str, offset: int = 0) -> Spans:
    """Each character of ``text`` comes from itself (at ``offset``)."""
    return tuple((offset + i, offset + i + 1) for i in range(len(text)))


def union(spans: Spans) -> tuple[int, int] | None:
    """The smallest span covering ``spans`` (None when empty)."""
    if not spans:
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)


def realign(old: str, spans: Spans, new: str) -> Spans:
    """Spans for ``new``, a rewrite of ``old`` by a step that does not say what it changed (an FST):
    characters both texts share keep their own span, each rewritten stretch gets its source's union."""
    if len(spans) != len(old):
        return ()
    if old == new:
        return spans
    from difflib import SequenceMatcher

    out: list[tuple[int, int]] = []
    for tag, a0, a1, b0, b1 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(spans[a0:a1])
        elif b1 > b0:
            here = union(spans[a0:a1]) or union(spans[max(a0 - 1, 0):a0]) or (0, 0)
            out.extend([here] * (b1 - b0))
    return tuple(out)
