"""Word segmentation with POS: maximum-probability path over a word-frequency dictionary.

We use jieba's dictionary (words, frequencies, POS tags) but not jieba itself: ``jieba.initialize()`` takes
~1 s even from its cache, most of it building a prefix dictionary we do not need. On first use we convert
the dictionary once into a compact marshal file in the user cache directory (~0.6 s, once per machine):
words grouped by first character as one joined string + packed frequencies each, so a start reads the
file in ~0.03 s and only the characters a text uses are unpacked into lookup tables. The path search is
the classic unigram model: every dictionary word is an edge weighted by log(freq / total), unknown
characters are single-character words with frequency 1.
"""

from __future__ import annotations

import array
import marshal
import math
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Final

from shengqing.frontend.cache import cache_dir, once, write_atomic

_MAX_WORD: Final = 8  # longer dictionary entries are rare names; cutting them costs nothing audible
_FORMAT: Final = 4

_blocks: dict[str, dict[str, tuple[int, str]]] = {}


def _source() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed")
    return Path(spec.origin).parent / "dict.txt"


def _cache_path(src: Path) -> Path:
    """Keyed by the dictionary's size and CRC, not its mtime (every fresh install changes that)."""
    data = src.read_bytes()
    return cache_dir() / f"frontend_words_v{_FORMAT}_{len(data)}_{zlib.crc32(data):08x}.marshal"


def _build(src: Path) -> tuple[list[str], list[int], list[str]]:
    words: list[str] = []
    freqs: list[int] = []
    tags: list[str] = []
    with open(src, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and len(parts[0]) <= _MAX_WORD:
                words.append(parts[0])
                freqs.append(int(parts[1]))
                tags.append(parts[2] if len(parts) > 2 else "x")
    return words, freqs, tags


Block = dict[str, tuple[int, str]]


def _pack(words: list[str], counts: list[int], pos: list[str]) -> tuple[dict[str, tuple[str, bytes, str]], int]:
    by_first: dict[str, tuple[list[str], list[int], list[str]]] = {}
    for w, f, t in zip(words, counts, pos, strict=True):
        ws, fs, ts = by_first.setdefault(w[0], ([], [], []))
        ws.append(w)
        fs.append(max(f, 1))
        ts.append(t)
    packed = {c: ("\n".join(ws), array.array("q", fs).tobytes(), "\n".join(ts)) for c, (ws, fs, ts) in by_first.items()}
    return packed, sum(max(f, 1) for f in counts)


def _load() -> tuple[dict[str, tuple[str, bytes, str]], float]:
    src = _source()
    cache = _cache_path(src)
    try:
        packed, total = marshal.loads(cache.read_bytes())
        if isinstance(packed, dict) and isinstance(total, int):
            return packed, math.log(total)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    packed, total = _pack(*_build(src))
    write_atomic(cache, marshal.dumps((packed, total)), replaces="frontend_words_v*.marshal")
    return packed, math.log(total)


_tables: Callable[[], tuple[dict[str, tuple[str, bytes, str]], float]] = once(_load)


def _block(ch: str) -> Block:
    """Words starting with ``ch`` → (frequency, POS), unpacked on first use of that character."""
    block = _blocks.get(ch)
    if block is None:
        packed = _tables()[0].get(ch)
        block = {}
        if packed is not None:
            freqs = array.array("q")
            freqs.frombytes(packed[1])
            block = dict(zip(packed[0].split("\n"), zip(freqs.tolist(), packed[2].split("\n"), strict=True),
                             strict=True))
        _blocks[ch] = block  # idempotent: a concurrent duplicate build is harmless
    return block


def entry(word: str) -> tuple[int, str] | None:
    """(frequency, POS) of a dictionary word, or None."""
    return _block(word[0]).get(word) if word else None


def contains(word: str) -> bool:
    """True if ``word`` is in the word dictionary."""
    return entry(word) is not None


def dictionary() -> dict[str, tuple[str, bytes, str]]:
    """Load the (packed) dictionary now; words are unpacked per first character on demand."""
    return _tables()[0]


def cut(text: str) -> list[tuple[str, str]]:
    """Segment a run of Chinese characters into (word, POS) pairs."""
    log_total = _tables()[1]
    n = len(text)
    if n == 0:
        return []
    log = math.log
    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        block = _block(text[i])
        single = block.get(text[i])  # unknown characters count as frequency 1
        cand = (log(single[0] if single else 1) - log_total + best[i + 1][0], i + 1)
        for j in range(i + 2, min(n, i + _MAX_WORD) + 1):
            e = block.get(text[i:j])
            if e is not None:
                score = log(e[0]) - log_total + best[j][0]
                if score > cand[0]:
                    cand = (score, j)
        best[i] = cand
    out: list[tuple[str, str]] = []
    i = 0
    while i < n:
        j = best[i][1]
        w = text[i:j]
        e = _block(w[0]).get(w)
        out.append((w, e[1] if e is not None else "x"))
        i = j
    return out
