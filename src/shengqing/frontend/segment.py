"""Word segmentation with POS: maximum-probability path over a word-frequency dictionary.

We use jieba's dictionary (words, frequencies, POS tags) but not jieba itself: ``jieba.initialize()`` takes
~1 s even from its cache, most of it building a prefix dictionary we do not need. On first use we convert
the dictionary once into a compact marshal file in the user cache directory (~0.6 s, once per machine);
afterwards loading takes ~0.1 s. The path search is the classic unigram model: every dictionary word is an
edge weighted by log(freq / total), unknown characters are single-character words with frequency 1.
"""

from __future__ import annotations

import marshal
import math
import os
import tempfile
import threading
from pathlib import Path
from typing import Final

_MAX_WORD: Final = 8  # longer dictionary entries are rare names; cutting them costs nothing audible
_FORMAT: Final = 1

_lock = threading.Lock()
_words: dict[str, tuple[float, str]] | None = None


def _source() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed")
    return Path(spec.origin).parent / "dict.txt"


def _cache_path(src: Path) -> Path:
    st = src.stat()
    base = os.environ.get("SHENGQING_CACHE")
    if base is None:
        import platformdirs

        base = platformdirs.user_cache_dir("shengqing")
    return Path(base) / f"frontend_words_v{_FORMAT}_{st.st_size}_{int(st.st_mtime)}.marshal"


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


def _load() -> dict[str, tuple[float, str]]:
    src = _source()
    cache = _cache_path(src)
    data: tuple[list[str], list[int], list[str]] | None = None
    try:
        data = marshal.loads(cache.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        data = None
    if data is None:
        data = _build(src)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(marshal.dumps(data))
            os.replace(tmp, cache)  # atomic: concurrent processes never read a half-written file
        except OSError:
            pass  # read-only cache: still works, just slower on the next start
    words, freqs, tags = data
    log_total = math.log(sum(freqs))
    table = {w: (math.log(f or 1) - log_total, t) for w, f, t in zip(words, freqs, tags, strict=True)}
    table[""] = (-log_total, "x")  # score of a character the dictionary does not know (frequency 1)
    return table


def dictionary() -> dict[str, tuple[float, str]]:
    """Word → (log probability, POS); loaded once (thread-safe)."""
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                _words = _load()
    return _words


def cut(text: str) -> list[tuple[str, str]]:
    """Segment a run of Chinese characters into (word, POS) pairs."""
    words = dictionary()
    n = len(text)
    if n == 0:
        return []
    unknown = words[""][0]
    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        cand = (unknown + best[i + 1][0], i + 1)
        for j in range(i + 2, min(n, i + _MAX_WORD) + 1):
            entry = words.get(text[i:j])
            if entry is not None:
                score = entry[0] + best[j][0]
                if score > cand[0]:
                    cand = (score, j)
        single = words.get(text[i])
        if single is not None and single[0] + best[i + 1][0] > cand[0]:
            cand = (single[0] + best[i + 1][0], i + 1)
        best[i] = cand
    out: list[tuple[str, str]] = []
    i = 0
    while i < n:
        j = best[i][1]
        w = text[i:j]
        entry = words.get(w)
        out.append((w, entry[1] if entry is not None else "x"))
        i = j
    return out
