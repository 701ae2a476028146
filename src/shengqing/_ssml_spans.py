"""Where the text of an SSML document's elements is in the document (for timestamps).

expat reports each stretch of character data with the byte offset where it starts; a stretch equal to the
document's characters there maps one to one, an entity reference (``&amp;``) or a stretch expat rewrote
(line ends) maps to the markup it came from.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from .frontend.align import SyllableSource
from .frontend.pieces import Spans, union


class SourcedText(str):
    """Character data that knows each character's ``(start, end)`` in the document."""

    spans: Spans

    def __new__(cls, text: str, spans: Spans) -> SourcedText:
        obj = super().__new__(cls, text)
        obj.spans = spans
        return obj


class SourceMap:
    """Byte offsets of ``text``'s UTF-8 encoding → character offsets of ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._byte_starts = [0, *accumulate(len(c.encode("utf-8")) for c in text)]

    def char_at(self, byte_index: int) -> int:
        return max(0, bisect_right(self._byte_starts, byte_index) - 1)

    def sourced(self, data: str, byte_index: int) -> SourcedText:
        at = self.char_at(byte_index)
        if self.text.startswith("&", at) and (end := self.text.find(";", at)) > at:
            return SourcedText(data, ((at, end + 1),) * len(data))  # a reference: "&" is never literal in XML
        if self.text.startswith(data, at):
            return SourcedText(data, tuple((at + i, at + i + 1) for i in range(len(data))))
        found = self.text.find(data, at)
        if found >= 0 and data:
            return SourcedText(data, tuple((found + i, found + i + 1) for i in range(len(data))))
        return SourcedText(data, ((at, at + 1),) * len(data))


def spans_of(parts: list[str], fallback: int) -> Spans:
    """The spans of ``parts`` joined (characters without a known source get ``fallback``)."""
    out: list[tuple[int, int]] = []
    for part in parts:
        spans = getattr(part, "spans", ())
        out.extend(spans if len(spans) == len(part) else [(fallback, fallback)] * len(part))
    return tuple(out)


def covering(spans: Spans, fallback: int, length: int) -> Spans:
    """``length`` characters that all stand for the whole of ``spans`` (a <say-as> reading, a <sub> alias)."""
    return ((union(spans) or (fallback, fallback)),) * length


def pinyin_sources(readings: tuple[str, ...], spans: Spans) -> tuple[SyllableSource, ...]:
    """Every syllable of a <phoneme> element reads the element's whole text."""
    start, end = union(spans) or (0, 0)
    return tuple(SyllableSource(r, start, end, start, end) for r in readings)
