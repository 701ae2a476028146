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
from shengqing.frontend.rules import CONTEXT_RULES, WORD_READINGS

if TYPE_CHECKING:
    from shengqing.frontend.polyctx import Evidence
    from shengqing.frontend.polyphone import Prediction

#: Apply the learned context reranker (:mod:`polyctx`) on top of the evidence score; evaluation of the
#: base system and cross-validation switch it off.
USE_CONTEXT_MODEL = True


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


def _context_rule(sentence: str, i: int) -> str | None:
    for reading, left, right in CONTEXT_RULES.get(sentence[i], ()):
        if left and not re.search(f"(?:{left})$", sentence[max(0, i - 8):i]):
            continue
        if right and not re.match(right, sentence[i + 1:i + 9]):
            continue
        return reading
    return None


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


def evidence(sentence: str, i: int, word: str, dict_reading: str, pred: Prediction, prev_word: str = "",
             next_word: str = "") -> Evidence:
    """Model, dictionary and n-gram evidence for the polyphone ``sentence[i]`` inside ``word``."""
    from shengqing.frontend.polyctx import Evidence

    return Evidence(sentence, i, word, prev_word, next_word, pred.probs,
                    dict_reading if in_phrase_dict(word) else "", _ngram_support(sentence, i),
                    readings.reading(sentence[i])[0])


def choose(sentence: str, i: int, word: str, dict_reading: str, pred: Prediction, prev_word: str = "",
           next_word: str = "", collect: dict[int, Evidence] | None = None) -> str:
    """Reading of the polyphone ``sentence[i]`` (inside ``word``) from all evidence (see module doc).

    If ``collect`` is given, the evidence of a character the rules did not decide is stored there (training).
    """
    ruled = _context_rule(sentence, i)
    if ruled is not None:
        return ruled
    from shengqing.frontend import polyctx

    ev = evidence(sentence, i, word, dict_reading, pred, prev_word, next_word)
    if collect is not None:
        collect[i] = ev
    ctx = polyctx.shipped() if USE_CONTEXT_MODEL else None
    if ctx is not None:
        return ctx.choose(ev)
    scores = ev.base_scores()
    return max(scores, key=lambda c: scores[c])


def _curated_spans(word: str, base: list[str]) -> list[str] | None:
    """Curated readings of sub-words inside a longer dictionary word (银行行长 ⊃ 行长)."""
    found = False
    out = list(base)
    for length in (4, 3, 2):
        for a in range(len(word) - length + 1):
            reading = WORD_READINGS.get(word[a:a + length])
            if reading is not None:
                out[a:a + length] = reading
                found = True
    return out if found else None


def resolve(tokens: list[Token], sentence: str, offsets: list[int],
            collect: dict[int, Evidence] | None = None) -> None:
    """Fill ``pinyin`` of the ``zh`` tokens in place.

    ``sentence`` is the sentence text the tokens were cut from and ``offsets[i]`` the start of token i in it,
    so the BiLSTM sees the whole sentence as context. ``collect`` receives the evidence of every polyphone
    decided by scoring (see :func:`choose`).
    """
    preds: dict[int, Prediction] = {}
    if any(c in readings.polyphonic() for c in sentence):
        from shengqing.frontend import polyphone  # numpy and the weights load only when needed

        preds = polyphone.model().predict(sentence)
    for n, (tok, start) in enumerate(zip(tokens, offsets, strict=True)):
        if tok.kind != "zh" or tok.fixed:
            continue
        base = dict_pinyin(tok.word)
        if len(base) != len(tok.word):
            base = [dict_pinyin(c)[0] for c in tok.word]
        curated = WORD_READINGS.get(tok.word)
        if curated is None and len(tok.word) > 2:
            curated = _curated_spans(tok.word, base)
        out: list[str] = []
        for i in range(len(tok.word)):
            syl = base[i]
            pred = preds.get(start + i)
            if curated is not None:
                syl = curated[i]
            elif pred is not None:
                prev_word = tokens[n - 1].word if n > 0 else ""
                next_word = tokens[n + 1].word if n + 1 < len(tokens) else ""
                syl = choose(sentence, start + i, tok.word, syl, pred, prev_word, next_word, collect)
            if not is_valid(syl):
                syl = pred.pinyin if pred is not None else "?"
            out.append(syl)
        tok.pinyin = out
