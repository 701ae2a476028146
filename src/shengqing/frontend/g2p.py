"""Words and pinyin: segmentation with POS, dictionary readings, polyphone resolution.

Decision rule for a polyphonic character (weights tuned on half of the dev set, checked on the other half,
see docs/frontend.md): the user lexicon wins; then our curated word readings and context rules; otherwise
each candidate reading is scored by the BiLSTM's log-probability plus a bonus when pypinyin's phrase
dictionary gives that reading for the segmented word, plus a smaller bonus per dictionary n-gram around the
character that agrees. Neither source alone is reliable (the model is ~97 %, the dictionary ~87 %); the
dictionary is right mostly when the model hesitates, which the log-probability scale captures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shengqing.frontend import readings
from shengqing.frontend import segment as segment_mod
from shengqing.frontend.phones import is_valid
from shengqing.frontend.polydecide import Evidence, Trace, decide
from shengqing.frontend.rules import CONTEXT_RULES, WORD_READINGS

if TYPE_CHECKING:
    from shengqing.frontend.polyphone import Prediction


@dataclass
class Token:
    """One word of a sentence with its part of speech and one pinyin syllable per character.

    ``kind`` is ``zh`` (Chinese word), ``latin`` (letters, read by :mod:`letters`), ``phone`` (digit string,
    1 read 幺), ``punct`` or ``space``. ``fixed`` tokens (user lexicon, letters, digit strings) skip sandhi.
    """

    word: str
    pos: str
    kind: str = "zh"
    pinyin: list[str] = field(default_factory=list)
    fixed: bool = False
    span: tuple[int, int] | None = None  # position in the normalized text (set for timestamps)


def is_hanzi(ch: str) -> bool:
    """CJK unified ideograph (basic block and extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def segment(text: str) -> list[tuple[str, str]]:
    """Words with POS tags (jieba's dictionary, see :mod:`segment`; no HMM guessing of new words)."""
    return segment_mod.cut(text)


def dict_pinyin(word: str) -> list[str]:
    """pypinyin's reading of a word (phrase dictionary, then per-character default), canonical syllables."""
    return readings.reading(word)


def in_phrase_dict(word: str) -> bool:
    """True if pypinyin's phrase dictionary lists ``word`` (so its reading is word-specific)."""
    return readings.in_phrase_dict(word)


def _context_rules(sentence: str, i: int) -> tuple[tuple[int, str], ...]:
    """Context rules of sentence[i] that match here, in order (index in the character's list, reading)."""
    out: list[tuple[int, str]] = []
    for k, (reading, left, right) in enumerate(CONTEXT_RULES.get(sentence[i], ())):
        if left and not re.search(f"(?:{left})$", sentence[max(0, i - 8):i]):
            continue
        if right and not re.match(right, sentence[i + 1:i + 9]):
            continue
        out.append((k, reading))
    return tuple(out)


def _ngram_support(sentence: str, i: int) -> dict[str, int]:
    """Readings of sentence[i] inside phrase-dictionary words of 2–4 characters covering it."""
    support: dict[str, int] = {}
    for length in (2, 3, 4):
        for a in range(max(0, i - length + 1), i + 1):
            span = sentence[a:a + length]
            if len(span) == length and in_phrase_dict(span):
                syls = dict_pinyin(span)
                if len(syls) == length:
                    support[syls[i - a]] = support.get(syls[i - a], 0) + 1
    return support


def evidence(sentence: str, i: int, word: str, dict_reading: str, pred: Prediction) -> Evidence:
    """Model, dictionary and n-gram evidence for the polyphone ``sentence[i]`` inside ``word``."""
    return Evidence(sentence, i, word, pred.probs, dict_reading if in_phrase_dict(word) else "",
                    _ngram_support(sentence, i), readings.reading(sentence[i])[0])


def _curated_spans(word: str) -> list[tuple[int, str, list[str]]]:
    """Curated readings applying to a segmented word: the word itself, else its sub-words (银行行长 ⊃ 行长),
    as (start, sub-word, reading) in the order they are applied (later ones win)."""
    whole = WORD_READINGS.get(word)
    if whole is not None:
        return [(0, word, whole)]
    spans: list[tuple[int, str, list[str]]] = []
    if len(word) > 2:
        for length in (4, 3, 2):
            for a in range(len(word) - length + 1):
                reading = WORD_READINGS.get(word[a:a + length])
                if reading is not None:
                    spans.append((a, word[a:a + length], reading))
    return spans


def resolve(tokens: list[Token], sentence: str, offsets: list[int],
            collect: dict[int, Trace] | None = None) -> None:
    """Fill ``pinyin`` of the ``zh`` tokens in place.

    ``sentence`` is the sentence text the tokens were cut from and ``offsets[i]`` the start of token i in it,
    so the BiLSTM sees the whole sentence as context. ``collect`` receives the :class:`Trace` of every
    character decided by :func:`polydecide.decide` (polyphones and characters under curated words).
    """
    preds: dict[int, Prediction] = {}
    if any(c in readings.polyphonic() for c in sentence):
        from shengqing.frontend import polyphone  # numpy and the weights load only when needed

        preds = polyphone.model().predict(sentence)
    for tok, start in zip(tokens, offsets, strict=True):
        if tok.kind != "zh" or tok.fixed:
            continue
        base = dict_pinyin(tok.word)
        if len(base) != len(tok.word):
            base = [dict_pinyin(c)[0] for c in tok.word]
        spans = _curated_spans(tok.word)
        words = tuple(w for _, w, _ in spans)
        out: list[str] = []
        for i, ch in enumerate(tok.word):
            pred = preds.get(start + i)
            if pred is None and not spans:
                out.append(base[i])
                continue
            covering = tuple((w, r[i - a]) for a, w, r in spans if a <= i < a + len(w))
            trace = Trace(ch, base[i], covering, words)
            if pred is not None:  # evidence is gathered even under a curated word, so that ablations can use it
                trace = Trace(ch, base[i], covering, words, _context_rules(sentence, start + i),
                              evidence(sentence, start + i, tok.word, base[i], pred))
            if collect is not None:
                collect[start + i] = trace
            syl = decide(trace)
            if not is_valid(syl):
                syl = pred.pinyin if pred is not None else "?"
            out.append(syl)
        tok.pinyin = out
