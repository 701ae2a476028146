"""Prosodic structure: prosodic words (#1), prosodic phrases (#2), intonational breaks (#3), pauses.

Baker's labels, which the model was trained on, mark four break levels between syllables. We derive them
from segmentation and POS: function words lean on their neighbour into one prosodic word; prosodic phrases
gather a few prosodic words and preferably break before conjunctions and prepositions; punctuation that
does not end the phrase (quotes, brackets, dashes inside) gives #3. Phrases longer than
:data:`MAX_PHRASE_SYLLABLES` are cut at the best break near a balanced position.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from shengqing.frontend.g2p import Token
from shengqing.frontend.sandhi import MERGED

MAX_PHRASE_SYLLABLES: Final = 40
_TARGET: Final = 26  # preferred piece size when a long phrase must be cut
_MAX_WORD: Final = 4  # syllables in one prosodic word
_MAX_PPHRASE: Final = 9  # syllables in one prosodic phrase before a #2 is forced

#: Pause after a phrase by its closing punctuation, ms (monotone: 、 < ， < ；： < 。！？ < paragraph).
PAUSE_MS: Final[dict[str, int]] = {
    "、": 120, "，": 200, "—": 200, "…": 280, "；": 280, "：": 280, "。": 350, "！": 350, "？": 350,
    "\n": 600, "": 60,
}
PARAGRAPH_PAUSE_MS: Final = PAUSE_MS["\n"]
FORCED_SPLIT_PAUSE_MS: Final = PAUSE_MS[""]

#: ASCII and variant punctuation → the canonical mark used in :data:`PAUSE_MS`.
PUNCT_CLASS: Final[dict[str, str]] = {
    ",": "，", "，": "，", "﹐": "，", "、": "、", "﹑": "、", ";": "；", "；": "；", ":": "：", "：": "：",
    ".": "。", "。": "。", "｡": "。", "!": "！", "！": "！", "?": "？", "？": "？", "…": "…", "⋯": "…",
    "—": "—", "――": "—", "\n": "\n",
}
SENTENCE_END: Final = frozenset("。！？\n")

_LEAN_LEFT_POS: Final = ("u", "y", "e", "k")  # particles, modal particles, interjection tails, suffixes
_LEAN_LEFT: Final = set("的地得了着过吗呢吧啊呀哇啦嘛们么")
_BREAK_BEFORE_POS: Final = ("c", "p")  # conjunctions and prepositions start a prosodic phrase
_PRONOUNS: Final = frozenset("我 你 他 她 它 您".split())
_NUMERAL_CHARS: Final = set("零〇一二三四五六七八九十百千万亿两几")


def syllable_count(tok: Token) -> int:
    """Spoken syllables of a token (an erhua 儿 does not count)."""
    return sum(1 for s in tok.pinyin if s != MERGED)


def prosodic_words(tokens: list[Token]) -> list[list[Token]]:
    """Group the spoken tokens of one phrase into prosodic words."""
    groups: list[list[Token]] = []
    for tok in tokens:
        n = syllable_count(tok)
        if n == 0:
            continue
        size = sum(syllable_count(t) for t in groups[-1]) if groups else 0
        lean_left = tok.kind == "zh" and (tok.pos.startswith(_LEAN_LEFT_POS) or (len(tok.word) == 1
                                                                                  and tok.word in _LEAN_LEFT))
        # A lone adverb/adjective/verb monosyllable leans on the next short word (很|好 → 很好); pronouns,
        # numbers, conjunctions and prepositions keep their own prosodic word.
        prev = groups[-1] if groups else []
        prev_mono = size == 1 and prev[0].kind == "zh" and prev[0].pos.startswith(("d", "zg", "a", "v", "b"))
        zh = tok.kind == "zh"
        if prev and lean_left and size + n <= _MAX_WORD + 1 and prev[-1].kind == "zh":
            prev.append(tok)
        elif prev and zh and _measure_join(prev, tok, size, n):
            prev.append(tok)  # 五|把|伞 → 五把伞: a numeral takes its measure word and a one-syllable noun
        elif prev_mono and zh and n == 1 and prev[0].pos.startswith("v") and tok.word in _PRONOUNS:
            prev.append(tok)  # 给|我 → 给我: a one-syllable object pronoun leans on its verb
        elif prev_mono and zh and n <= 2 and not tok.pos.startswith(_BREAK_BEFORE_POS) \
                and not (n == 1 and tok.pos.startswith(("d", "zg"))):
            prev.append(tok)  # a lone monosyllable joins the next short word (很|好 → 很好; 也|很好, not 也很|好)
        else:
            groups.append([tok])
    return groups


def _is_numeral(tok: Token) -> bool:
    return tok.kind == "zh" and (tok.pos.startswith("m") or all(c in _NUMERAL_CHARS for c in tok.word))


def _measure_join(prev: list[Token], tok: Token, size: int, n: int) -> bool:
    """Numeral + one-syllable measure word (+ one-syllable noun) form one prosodic word."""
    if n != 1 or size > 2:
        return False
    if len(prev) == 1 and _is_numeral(prev[0]) and not _is_numeral(tok) and tok.word not in _LEAN_LEFT:
        return True
    return len(prev) == 2 and _is_numeral(prev[0]) and size == 2 and tok.pos.startswith("n")


@dataclass
class Unit:
    """One prosodic word with the break level *before* it (1, 2 or 3; 0 for the first of a phrase)."""

    tokens: list[Token]
    syllables: int
    brk: int


def units(tokens: list[Token]) -> list[Unit]:
    """Prosodic words with break levels; ``punct`` tokens inside the phrase raise the next break to #3."""
    out: list[Unit] = []
    pending = 1
    chunk: list[Token] = []

    def flush() -> None:
        nonlocal pending
        for g in prosodic_words(chunk):
            out.append(Unit(g, sum(syllable_count(t) for t in g), pending if out else 0))
            pending = 1
        chunk.clear()

    for tok in tokens:
        if tok.kind == "punct":
            flush()
            if out:
                pending = 3
        else:
            chunk.append(tok)
    flush()
    acc = 0
    for u in out:
        if u.brk == 3:
            acc = 0
        elif u.brk and ((acc >= 4 and u.tokens[0].kind == "zh" and u.tokens[0].pos.startswith(_BREAK_BEFORE_POS))
                        or acc + u.syllables > _MAX_PPHRASE):
            u.brk, acc = 2, 0
        acc += u.syllables
    return out


def split_long(us: list[Unit]) -> list[list[Unit]]:
    """Cut a phrase into pieces of at most :data:`MAX_PHRASE_SYLLABLES`, at the strongest nearby break."""
    total = sum(u.syllables for u in us)
    if total <= MAX_PHRASE_SYLLABLES or len(us) < 2:
        if total > MAX_PHRASE_SYLLABLES:
            return _split_unit(us[0])
        return [us]
    pieces = max(2, math.ceil(total / _TARGET))
    goal = total * (pieces // 2) / pieces
    best, best_cost = 1, math.inf
    acc = 0
    for i in range(1, len(us)):
        acc += us[i - 1].syllables
        cost = abs(acc - goal) - 4 * us[i].brk  # prefer strong breaks, a few syllables off balance is fine
        if cost < best_cost:
            best, best_cost = i, cost
    left, right = us[:best], us[best:]
    right[0] = Unit(right[0].tokens, right[0].syllables, 0)
    return split_long(left) + split_long(right)


def _split_unit(u: Unit) -> list[list[Unit]]:
    """A single huge 'word' (a long digit or letter string): cut its tokens' syllables into chunks."""
    out: list[list[Unit]] = []
    syls = [(t, s) for t in u.tokens for s in t.pinyin if s != MERGED]
    for k in range(0, len(syls), _TARGET):
        part = syls[k:k + _TARGET]
        tok = Token("".join(dict.fromkeys(t.word for t, _ in part)), part[0][0].pos, part[0][0].kind,
                    [s for _, s in part], True, _joined_span(t.span for t, _ in part))
        out.append([Unit([tok], len(part), 0)])
    return out


def _joined_span(spans: Iterable[tuple[int, int] | None]) -> tuple[int, int] | None:
    known = [s for s in spans if s is not None]
    return (min(a for a, _ in known), max(b for _, b in known)) if known else None
