"""The frontend pipeline: normalized pieces → tokens → pinyin → sandhi → prosody → phone phrases."""

from __future__ import annotations

from dataclasses import dataclass, field

from shengqing.frontend import g2p, letters, normalize, prosody, sandhi
from shengqing.frontend.g2p import Token, is_hanzi
from shengqing.frontend.lexicon import Lexicon
from shengqing.frontend.phones import syllable_phones
from shengqing.frontend.sandhi import MERGED

_NON_SPLIT_PUNCT = set("\"'“”‘’「」『』《》〈〉()（）[]【】{}<>〔〕·・-–_~～/\\|")
_YAO = {"一": "yao1", "二": "er4", "三": "san1", "四": "si4", "五": "wu3", "六": "liu4", "七": "qi1",
        "八": "ba1", "九": "jiu3", "零": "ling2", "〇": "ling2"}


@dataclass
class RawPhrase:
    """Tokens of one phrase before phones are made, with the punctuation that closed it."""

    tokens: list[Token]
    punct: str
    paragraph_end: bool = False


@dataclass
class SentenceTrace:
    """Intermediate results of one sentence (for the debug view)."""

    words: list[tuple[str, str]] = field(default_factory=list)
    pinyin_before: list[str] = field(default_factory=list)
    pinyin_after: list[str] = field(default_factory=list)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _cut_text(text: str, lexicon: Lexicon | None) -> list[Token]:
    """Tokens of a TEXT piece: lexicon words, Chinese words (jieba), Latin runs, punctuation."""
    tokens: list[Token] = []
    parts = lexicon.split(text) if lexicon is not None and len(lexicon) else [(text, None)]
    for part, reading in parts:
        if reading is not None:
            tokens.append(Token(part, "lex", "zh" if all(is_hanzi(c) for c in part) else "latin",
                                list(reading), True))
            continue
        i = 0
        while i < len(part):
            ch = part[i]
            j = i + 1
            if is_hanzi(ch):
                while j < len(part) and is_hanzi(part[j]):
                    j += 1
                tokens.extend(Token(w, p) for w, p in g2p.segment(part[i:j]))
            elif _is_latin(ch):
                while j < len(part) and (_is_latin(part[j]) or (part[j] in "-'" and j + 1 < len(part)
                                                                and _is_latin(part[j + 1]))):
                    j += 1
                word = part[i:j]
                tokens.append(Token(word, "eng", "latin", letters.read_latin(word), True))
            elif ch in prosody.PUNCT_CLASS or ch in _NON_SPLIT_PUNCT:
                tokens.append(Token(ch, "x", "punct"))
            # anything else (emoji, symbols, other scripts, spaces) is not spoken
            i = j
    return tokens


def tokenize(pieces: list[normalize.Piece], lexicon: Lexicon | None) -> list[Token]:
    """Turn normalized pieces into tokens; digit strings and spelled text get fixed readings."""
    out: list[Token] = []
    for piece in pieces:
        if piece.kind == normalize.PHONE:
            out.append(Token(piece.text, "m", "phone", [_YAO.get(c, "yi1") for c in piece.text], True))
        elif piece.kind == normalize.SPELL:
            for tok in _cut_text(piece.text, None):
                if tok.kind == "latin":
                    tok.pinyin = letters.read_latin(tok.word, spell=tok.word.lower() not in ("www", "com"))
                out.append(tok)
        else:
            out.extend(_cut_text(piece.text, lexicon))
    return out


def _sentences(tokens: list[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for tok in tokens:
        out[-1].append(tok)
        if tok.kind == "punct" and prosody.PUNCT_CLASS.get(tok.word) in prosody.SENTENCE_END:
            out.append([])
    return [s for s in out if s]


def analyze_sentence(tokens: list[Token], trace: SentenceTrace | None = None) -> list[RawPhrase]:
    """Pinyin, sandhi and phrase split for one sentence's tokens."""
    zh = [t for t in tokens if t.kind == "zh" and not t.fixed]
    sentence = "".join(t.word for t in zh)
    offsets: list[int] = []
    pos = 0
    for t in zh:
        offsets.append(pos)
        pos += len(t.word)
    if zh:
        g2p.resolve(zh, sentence, offsets)
    if trace is not None:
        trace.words.extend((t.word, t.pos) for t in tokens if t.kind != "punct")
        trace.pinyin_before.extend(" ".join(t.pinyin) for t in tokens if t.pinyin)
    sandhi.erhua(tokens)
    sandhi.neutral(tokens)
    sandhi.yi_bu(tokens)
    phrases: list[RawPhrase] = []
    current: list[Token] = []
    for tok in tokens:
        if tok.kind == "punct" and tok.word in prosody.PUNCT_CLASS:
            phrases.append(RawPhrase(current, prosody.PUNCT_CLASS[tok.word]))
            current = []
        else:
            current.append(tok)
    if current:
        phrases.append(RawPhrase(current, ""))
    for ph in phrases:
        us = prosody.units(ph.tokens)
        sandhi.third_tone([u.tokens for u in us], [u.brk for u in us])
    if trace is not None:
        trace.pinyin_after.extend(" ".join(t.pinyin) for t in tokens if t.pinyin)
    return phrases


def phones_of_units(us: list[prosody.Unit]) -> tuple[str, ...]:
    """``sil`` + syllable phones joined by break marks + ``sil``."""
    out: list[str] = ["sil"]
    first = True
    for u in us:
        for ti, tok in enumerate(u.tokens):
            for si, syl in enumerate(tok.pinyin):
                if syl == MERGED:
                    continue
                if not first:
                    out.append(f"#{u.brk}" if ti == 0 and si == 0 else "#0")
                first = False
                out.extend(syllable_phones(syl))
    out.append("sil")
    return tuple(out)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs (blank-line or newline separated) keep their own pause."""
    return [p for p in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if p.strip()]


def unit_text(us: list[prosody.Unit]) -> str:
    """Text of the words of a (piece of a) phrase."""
    return "".join(t.word for u in us for t in u.tokens)


def valid_pinyin(tokens: list[Token]) -> None:
    """Drop syllables that cannot be spoken (unknown characters) so phones are always in the symbol set."""
    for tok in tokens:
        kept = [s for s in tok.pinyin if s == MERGED or _speakable(s)]
        if len(kept) != len(tok.pinyin):
            tok.pinyin = kept
            tok.fixed = True


def _speakable(s: str) -> bool:
    try:
        syllable_phones(s)
    except ValueError:
        return False
    return True


def _all_spoken(tokens: list[Token]) -> bool:
    return any(s != MERGED for t in tokens for s in t.pinyin)


def has_hanzi_or_latin(text: str) -> bool:
    """Cheap check whether anything could be spoken at all."""
    return any(is_hanzi(c) or _is_latin(c) or c.isdigit() for c in text)


__all__ = [
    "RawPhrase",
    "SentenceTrace",
    "_all_spoken",
    "_sentences",
    "analyze_sentence",
    "has_hanzi_or_latin",
    "phones_of_units",
    "split_paragraphs",
    "tokenize",
    "unit_text",
    "valid_pinyin",
]


def preload() -> None:
    """Load every lazily loaded resource now (word dictionary, readings, polyphone model)."""
    from shengqing.frontend import polyphone, readings, segment

    segment.dictionary()
    readings.tables()
    polyphone.model()
