"""Where each spoken syllable comes from in the text the frontend was given (for timestamps).

Normalization gives every character of its output a source span (:class:`~.pieces.Piece` ``spans``); the
tokens are located in the normalized text in order (:func:`locate`); a token read one syllable per
character gives each syllable its own character, any other token (a number's reading, a Latin word, a
digit string, a user-lexicon entry) gives all its syllables the token's whole span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shengqing.frontend.g2p import Token
from shengqing.frontend.pieces import Piece, Spans, union
from shengqing.frontend.sandhi import MERGED

_LINE = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class SyllableSource:
    """One spoken syllable: its reading, the characters it reads and the word they belong to.

    Offsets are ``[start, end)`` character positions in the text given to the frontend.
    """

    reading: str
    start: int
    end: int
    word_start: int
    word_end: int

    def shifted(self, offset: int) -> SyllableSource:
        return SyllableSource(self.reading, self.start + offset, self.end + offset, self.word_start + offset,
                              self.word_end + offset)

    def mapped(self, spans: Spans) -> SyllableSource:
        """Positions in a text of which ``spans`` give each character's source (SSML → document)."""
        char = union(spans[self.start:self.end]) or _at(spans, self.start)
        word = union(spans[self.word_start:self.word_end]) or char
        return SyllableSource(self.reading, *char, *word)


def _at(spans: Spans, index: int) -> tuple[int, int]:
    if not spans:
        return (0, 0)
    start = spans[min(index, len(spans) - 1)][0] if index < len(spans) else spans[-1][1]
    return (start, start)


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Non-blank lines of ``text`` with their offsets (the frontend's paragraphs)."""
    return [(m.start(), m.group(0)) for m in _LINE.finditer(text) if m.group(0).strip()]


def source_spans(pieces: list[Piece], offset: int) -> Spans:
    """Each normalized character's source span, shifted by the paragraph's ``offset``."""
    out: list[tuple[int, int]] = []
    for piece in pieces:
        spans = piece.spans if len(piece.spans) == len(piece.text) else (union(piece.spans) or (0, 0),) * len(
            piece.text)
        out.extend((a + offset, b + offset) for a, b in spans)
    return tuple(out)


def locate(tokens: list[Token], normalized: str) -> None:
    """Set each token's ``span`` (positions in the normalized text); tokens are its substrings in order."""
    cursor = 0
    for tok in tokens:
        at = normalized.find(tok.word, cursor) if tok.word else -1
        if at < 0:
            tok.span = (cursor, cursor)
            continue
        tok.span = (at, at + len(tok.word))
        cursor = at + len(tok.word)


def syllable_sources(tokens: list[Token], spans: Spans) -> tuple[SyllableSource, ...]:
    """Sources of the spoken syllables of ``tokens``, in the order their phones are emitted."""
    out: list[SyllableSource] = []
    for tok in tokens:
        a, b = tok.span if tok.span is not None else (0, 0)
        fallback = (out[-1].end, out[-1].end) if out else _at(spans, a)
        word = union(spans[a:b]) or fallback
        per_char = len(tok.pinyin) == b - a
        for k, reading in enumerate(tok.pinyin):
            char = (union(spans[a + k:a + k + 1]) or word) if per_char else word
            if reading == MERGED:  # erhua 儿: read within the previous syllable
                if out:
                    last = out[-1]
                    out[-1] = SyllableSource(last.reading, min(last.start, char[0]), max(last.end, char[1]),
                                             min(last.word_start, word[0]), max(last.word_end, word[1]))
                continue
            out.append(SyllableSource(reading, *char, *word))
    return tuple(out)


__all__ = ["Spans", "SyllableSource", "locate", "paragraphs", "source_spans", "syllable_sources"]
