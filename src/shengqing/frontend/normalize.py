"""Text normalization for TTS: digits, symbols and odd characters → speakable Chinese.

The number-reading policy (:mod:`numpolicy`: cardinals, digit strings, years, dates, scores, ranges,
money, units, …) claims almost every digit; ``wetext``'s FSTs are the fallback for digits the rules
leave alone and do the traditional → simplified conversion. Both FST sets are loaded lazily and only when
the text needs them, because loading them costs ~0.4 s and most TTS input has neither.

The output is a list of :class:`Piece` so later stages know which stretches are digit strings (phone
numbers, codes: 1 is read 幺) or spelled-out URLs; :func:`normalize` joins them into plain text.
Normalization is idempotent: the output contains no digits and no symbols the rules react to.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from typing import Any, Final

from shengqing.frontend import numbers as num
from shengqing.frontend import numpolicy
from shengqing.frontend.cache import once
from shengqing.frontend.numpolicy import Rule
from shengqing.frontend.pieces import PHONE, SPELL, TEXT, Piece, Spans, realign, union

# --- character-level cleanup ---------------------------------------------------------------------------

_KEEP_FULLWIDTH: Final = set("，！？：；（）")  # Chinese punctuation that carries pause information


def _fold_char(ch: str) -> str:
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E and ch not in _KEEP_FULLWIDTH:
        return chr(o - 0xFEE0)
    if ch == "\u3000":
        return " "
    return ch


_ODD_FORMS: Final[dict[str, str]] = {"﹪": "%", "％": "%", "℉": "°F", "．": "."}


def clean(text: str) -> str:
    """Fold full-width ASCII to half-width, unify odd forms, drop control and format characters."""
    return clean_tracked(text)[0]


def clean_tracked(text: str) -> tuple[str, Spans]:
    """:func:`clean` and where each output character came from in ``text``."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if ch in "\n\r\t":
            res = "\n" if ch != "\t" else " "
        else:
            cat = unicodedata.category(ch)
            if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
                continue  # control, format (zero-width), surrogates, private use, unassigned: unspeakable
            res = " " if cat == "Zs" else _fold_char(ch)
            res = _ODD_FORMS.get(res, res)
        out.append(res)
        spans.extend([(i, i + 1)] * len(res))
    return "".join(out), tuple(spans)


_lock = threading.Lock()
_t2s: Any = None
_wetext: Any = None


def _needs_t2s(text: str) -> bool:
    # Traditional characters are (almost) all outside GB2312; checking that is free, loading the FST not.
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                return True
    return False


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with wetext's FST (loaded on first need)."""
    global _t2s
    if not _needs_t2s(text):
        return text
    with _lock:
        if _t2s is None:
            from wetext.constants import load_fst

            _t2s = load_fst("traditional_to_simple.fst")
    return str(_t2s(text))


def _wetext_tn(text: str) -> str:
    global _wetext
    with _lock:
        if _wetext is None:
            from wetext import Normalizer

            _wetext = Normalizer(lang="zh", operator="tn")
    return str(_wetext.normalize(text))


# --- rule layer ----------------------------------------------------------------------------------------

_SPELL_SYMBOLS: Final[dict[str, str]] = {".": "点", "/": "斜杠", ":": "冒号", "@": "艾特", "-": "杠",
                                         "_": "下划线", "?": "问号", "=": "等于", "&": "和", "#": "井号",
                                         "%": "百分号", "~": "波浪号", "+": "加"}


def _spell(m: re.Match[str]) -> list[Piece]:
    text = m.group(0)
    text = re.sub(r"^https?://", lambda x: x.group(0)[:-3], text)
    out: list[Piece] = []
    buf = ""
    for ch in text:
        if ch.isdigit():
            buf += num.DIGITS[int(ch)]
        elif ch in _SPELL_SYMBOLS:
            buf += _SPELL_SYMBOLS[ch]
        elif ch.isascii() and ch.isalpha():
            buf += ch
    out.append(Piece(buf, SPELL))
    return out


def _compile() -> list[Rule]:
    return [
        (re.compile(r"(?:https?://|www\.)[A-Za-z0-9./?=&%#:~+_-]+[A-Za-z0-9/]"), _spell),
        (re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), _spell),
        *numpolicy.rules(),
    ]


_rules: Callable[[], list[Rule]] = once(_compile)  # compiled on the first text with digits or URL symbols

# Symbols read as words once the number rules have had their turn.
_SYMBOL_WORDS: Final[dict[str, str]] = {
    "%": "百分号", "‰": "千分号", "℃": "摄氏度", "°": "度", "+": "加", "=": "等于", "@": "艾特", "&": "和",
    "×": "乘", "÷": "除以", "≈": "约等于", "≠": "不等于", "≤": "小于等于", "≥": "大于等于", "<": "小于",
    ">": "大于", "￥": "元", "¥": "元", "$": "美元", "€": "欧元", "£": "英镑", "№": "号", "±": "正负",
}


def _apply(pieces: list[Piece], pattern: re.Pattern[str],
           fn: Callable[[re.Match[str]], list[Piece] | str]) -> list[Piece]:
    out: list[Piece] = []
    for piece in pieces:
        if piece.kind != TEXT:
            out.append(piece)
            continue
        pos = 0
        s = piece.text
        for m in pattern.finditer(s):
            if m.start() > pos:
                out.append(Piece(s[pos:m.start()], spans=piece.spans[pos:m.start()]))
            res = fn(m)
            # the whole match is the source of every character of its reading ("2024年" is one span)
            whole = union(piece.spans[m.start():m.end()])
            out.extend(_sourced(p, whole) for p in ([Piece(res)] if isinstance(res, str) else res))
            pos = m.end()
        if pos < len(s):
            out.append(Piece(s[pos:], spans=piece.spans[pos:]))
    return _merge(out)


def _sourced(piece: Piece, span: tuple[int, int] | None) -> Piece:
    return Piece(piece.text, piece.kind, ((span,) * len(piece.text)) if span is not None else ())


def _merge(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if not p.text:
            continue
        if out and out[-1].kind == p.kind == TEXT:
            out[-1] = Piece(out[-1].text + p.text, spans=out[-1].spans + p.spans)
        else:
            out.append(p)
    return out


def _symbol_words(piece: Piece) -> Piece:
    words = [_SYMBOL_WORDS.get(c, c) for c in piece.text]
    spans = tuple(span for word, span in zip(words, piece.spans, strict=False) for _ in word)
    return Piece("".join(words), piece.kind, spans)


def normalize_pieces(text: str) -> list[Piece]:
    """Normalize ``text`` into typed pieces (see module docstring). Never raises on any string.

    Each piece's ``spans`` tell where its characters came from in ``text``.
    """
    cleaned, spans = clean_tracked(text)
    s = to_simplified(cleaned)
    pieces = [Piece(s, spans=realign(cleaned, spans, s))]
    if any(c.isdigit() or c in "@:/." for c in s):
        for pattern, fn in _rules():
            pieces = _apply(pieces, pattern, fn)
        if any(p.kind == TEXT and any(c.isdigit() for c in p.text) for p in pieces):
            # Digits our rules did not claim (exotic scripts' digits): let wetext try.
            pieces = [_wetext_piece(p) if p.kind == TEXT else p for p in pieces]
    pieces = [_symbol_words(p) if p.kind == TEXT else p for p in pieces]
    return _merge(pieces)


def _wetext_piece(piece: Piece) -> Piece:
    text = _wetext_tn(piece.text)
    return Piece(text, spans=realign(piece.text, piece.spans, text))


def normalize(text: str) -> str:
    """Plain normalized text (digits, dates, money… written out in Chinese characters)."""
    return "".join(p.text for p in normalize_pieces(text))


__all__ = ["PHONE", "SPELL", "TEXT", "Piece", "clean", "clean_tracked", "normalize", "normalize_pieces",
           "to_simplified"]
