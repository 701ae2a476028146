"""Tone changes of connected speech: erhua, neutral tone, 一/不 sandhi and third-tone sandhi.

All functions work in place on the ``zh`` tokens of one sentence. Syllables stay aligned with characters:
an r-coloured 儿 leaves ``"-"`` in its slot and the previous syllable gets the ``r`` (``hua1`` → ``huar1``).
Order matters: neutral tone first (a neutral syllable does not trigger 3-3 sandhi), then 一/不 (they look at
the following tone as written), then 3-3 sandhi over prosodic words.
"""

from __future__ import annotations

from typing import Final

from shengqing.frontend import segment
from shengqing.frontend.g2p import Token
from shengqing.frontend.rules import ERHUA_EXCEPTIONS, NEUTRAL_EXCEPT_BEFORE, NEUTRAL_WORDS

MERGED: Final = "-"  # slot of an 儿 merged into the previous syllable

_PARTICLES: Final = set("的地得了着过吗呢吧啊呀哇啦嘛么哦呗咯喽罢")
_DIRECTIONAL: Final = frozenset("来 去 起来 出来 下来 上来 进来 回来 过来 下去 上去 出去 进去 回去 过去 起去".split())
_NUMERALS: Final = set("零〇一二三四五六七八九十百千万亿两")
_DIGITS: Final = set("零〇一二三四五六七八九")
_NOT_POTENTIAL: Final = set("要并也都可绝决毫从永再一不还又就才全亦更很最好")
# Kinship terms and other nouns whose reduplication has a neutral second syllable.
_REDUP_POS: Final = ("n", "v", "nr")


def tone(syl: str) -> int:
    """Tone digit of a canonical syllable (5 for neutral, 0 if not a syllable)."""
    return int(syl[-1]) if syl and syl[-1].isdigit() else 0


def _set_tone(syl: str, t: int) -> str:
    return syl[:-1] + str(t) if syl and syl[-1].isdigit() else syl


def erhua(tokens: list[Token]) -> None:
    """Merge a word-final 儿 into the previous syllable (花儿 → huar1), except in real 儿 words."""
    for tok in tokens:
        if tok.kind != "zh" or tok.fixed or len(tok.word) < 2 or not tok.word.endswith("儿"):
            continue
        if tok.word in ERHUA_EXCEPTIONS or any(tok.word.endswith(w) for w in ERHUA_EXCEPTIONS):
            continue
        prev = tok.pinyin[-2]
        if prev == MERGED or prev.startswith("er") or not prev[-1:].isdigit():
            continue
        tok.pinyin[-2] = prev[:-1] + "r" + prev[-1]
        tok.pinyin[-1] = MERGED


def neutral(tokens: list[Token]) -> None:
    """Neutral tone for particles, suffixes, reduplicated nouns/verbs, directional complements, word list."""
    for i, tok in enumerate(tokens):
        if tok.kind != "zh" or tok.fixed or not tok.pinyin:
            continue
        w, p = tok.word, tok.pinyin
        if w in NEUTRAL_WORDS and not _next_word(tokens, i).startswith(NEUTRAL_EXCEPT_BEFORE.get(w, ("\0",))):
            p[-1] = _set_tone(p[-1], 5)
        if len(w) == 1 and w in _PARTICLES and (tok.pos.startswith(("u", "y", "e")) or w in "吗呢吧啦嘛"):
            p[0] = _set_tone(p[0], 5)
        elif len(w) >= 2 and w[-1] in "们么" and tone(p[-1]) != 0:
            p[-1] = _set_tone(p[-1], 5)
        if (len(w) == 2 and w[0] == w[1] and w[0] not in _NUMERALS and tok.pos.startswith(_REDUP_POS)
                and tone(p[0]) != 0):
            p[1] = _set_tone(p[1], 5)
        if w in _DIRECTIONAL and i > 0 and tokens[i - 1].kind == "zh" and tokens[i - 1].pos.startswith("v") \
                and (len(tokens[i - 1].word) == 1 or len(w) == 1):
            for k in range(len(p)):
                p[k] = _set_tone(p[k], 5)


def _next_word(tokens: list[Token], i: int) -> str:
    return tokens[i + 1].word if i + 1 < len(tokens) else ""


def _flat(tokens: list[Token]) -> list[tuple[int, int]]:
    """(token index, syllable index) of every sandhi-relevant syllable in reading order."""
    out: list[tuple[int, int]] = []
    for ti, tok in enumerate(tokens):
        if tok.kind in ("space",):
            continue
        for si in range(len(tok.pinyin)):
            if tok.pinyin[si] != MERGED:
                out.append((ti, si))
    return out


def yi_bu(tokens: list[Token]) -> None:
    """一 → yi2 before tone 4, yi4 before other tones, yi1 when counting/ordinal/final; 不 → bu2 before tone 4."""
    flat = _flat(tokens)
    for k, (ti, si) in enumerate(flat):
        tok = tokens[ti]
        if tok.kind != "zh" or tok.fixed:
            continue
        ch = tok.word[si]
        if ch not in "一不":
            continue
        prev_ch = tok.word[si - 1] if si > 0 else (tokens[ti - 1].word[-1:] if ti > 0 else "")
        nxt = flat[k + 1] if k + 1 < len(flat) else None
        nxt_tok = tokens[nxt[0]] if nxt else None
        nxt_ch, nxt_tone = "", 0
        if nxt is not None and nxt_tok is not None and nxt_tok.kind == "zh" and nxt[1] < len(nxt_tok.word):
            nxt_ch, nxt_tone = nxt_tok.word[nxt[1]], tone(nxt_tok.pinyin[nxt[1]])
        if ch == "一":
            if prev_ch == "第" or prev_ch in _NUMERALS or nxt_ch in _DIGITS or not nxt_ch:
                new = "yi1"  # ordinal, digit string, number tail or end of phrase: citation tone
            elif nxt_ch and prev_ch and prev_ch == nxt_ch:
                new = "yi5"  # 看一看
            elif tok.word in ("统一", "唯一", "万一", "专一", "同一", "划一", "之一", "初一", "十一", "归一"):
                new = "yi1"
            elif nxt_tone == 4 or (nxt_tone == 5 and nxt_ch == "个"):
                new = "yi2"
            elif nxt_tone in (1, 2, 3):
                new = "yi4"
            else:
                new = "yi1"
            tok.pinyin[si] = new
        else:
            if (nxt_ch and prev_ch and prev_ch == nxt_ch) or _potential(tok, si):
                tok.pinyin[si] = "bu5"  # 是不是, 好不好; 看不见, 来不及
            elif nxt_tone == 4:
                tok.pinyin[si] = "bu2"
            elif tok.pinyin[si] != "bu5":
                tok.pinyin[si] = "bu4"


def _potential(tok: Token, si: int) -> bool:
    """不 inside a three-character verb of the V不C type (看不见, 听不懂, 用不着) is unstressed."""
    w = tok.word
    return len(w) == 3 and si == 1 and tok.pos.startswith(("v", "l")) and w[0] not in _NOT_POTENTIAL \
        and w[2] not in "不是"


def _third_in_word(word: str, syls: list[str]) -> None:
    """3-3 sandhi inside one prosodic word, respecting its internal 2+1 / 1+2 / 2+2 structure."""
    idx = [i for i, s in enumerate(syls) if s != MERGED]
    tones = [tone(syls[i]) for i in idx]
    n = len(idx)
    if n < 2:
        return
    change = [False] * n
    if n == 3 and tones == [3, 3, 3] and len(word) == 3 \
            and not segment.contains(word[:2]) and segment.contains(word[1:]):
        change[1] = True  # 1+2 (小|老虎): only the middle rises
    elif n == 4 and len(word) == 4:
        for a, b in ((0, 1), (2, 3)):
            if tones[a] == 3 and tones[b] == 3:
                change[a] = True
        if tones[1] == 3 and tones[2] == 3 and not change[2]:
            change[1] = True
    else:
        for k in range(n - 1):
            if tones[k] == 3 and tones[k + 1] == 3:
                change[k] = True
    for k in range(n):
        if change[k]:
            syls[idx[k]] = _set_tone(syls[idx[k]], 2)


def third_tone(groups: list[list[Token]], breaks: list[int] | None = None) -> None:
    """3-3 sandhi within each prosodic word (a group of tokens), then across prosodic words.

    ``breaks[k]`` is the break level before group k (see :mod:`prosody`). Across a ``#1`` boundary the rule
    applies cyclically from right to left on the tones as already changed inside the words: 我|也|很好 →
    (很好 hen2 hao3) → 也 stays 3 before hen2 → 我 becomes 2 before ye3; 想买|五把伞 → 买 stays 3 before
    wu2. Never across ``#2``/``#3`` breaks, and never into or out of fixed tokens (lexicon, letters, digits).
    """
    _within(groups)
    if breaks is None:
        return
    for k in range(len(groups) - 2, -1, -1):
        if breaks[k + 1] != 1:
            continue
        left = _edge(groups[k], -1)
        right = _edge(groups[k + 1], 0)
        if left is not None and right is not None and tone(left[0].pinyin[left[1]]) == 3 \
                and tone(right[0].pinyin[right[1]]) == 3:
            left[0].pinyin[left[1]] = _set_tone(left[0].pinyin[left[1]], 2)


def _edge(group: list[Token], end: int) -> tuple[Token, int] | None:
    """(token, syllable index) of the first (``end=0``) or last (``end=-1``) syllable of a prosodic word."""
    tok = group[end]
    if tok.kind != "zh" or tok.fixed:
        return None
    idx = [i for i, s in enumerate(tok.pinyin) if s != MERGED]
    return (tok, idx[end]) if idx else None


def _within(groups: list[list[Token]]) -> None:
    for group in groups:
        zh = [t for t in group if t.kind == "zh" and not t.fixed]
        if not zh or len(zh) != len(group):
            for t in zh:
                _third_in_word(t.word, t.pinyin)
            continue
        word = "".join(t.word for t in group)
        syls = [s for t in group for s in t.pinyin]
        if len(group) > 1 and len(syls) > 4:
            for t in group:
                _third_in_word(t.word, t.pinyin)
            continue
        _third_in_word(word, syls)
        k = 0
        for t in group:
            t.pinyin = syls[k:k + len(t.pinyin)]
            k += len(t.pinyin)
