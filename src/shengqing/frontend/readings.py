"""Dictionary readings (pypinyin's data) in a compact cache, without importing pypinyin at run time.

Importing pypinyin costs ~0.25 s (its phrase and character dictionaries are large Python modules, plus its
segmenter). We need only two lookups: the reading of a phrase-dictionary word and the default reading of a
character. On first use they are converted once, with pypinyin, into numbered-tone syllables and stored as a
marshal file in the cache directory (~1 s, once per machine and pypinyin version); afterwards loading is a
single ``marshal.loads`` (~0.05 s). Words not in the phrase dictionary are read by forward maximum matching
over it, then character defaults, as pypinyin does.
"""

from __future__ import annotations

import marshal
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Final

_FORMAT: Final = 1
_MAX_PHRASE: Final = 8

_lock = threading.Lock()
_data: tuple[dict[str, str], dict[str, str], frozenset[str]] | None = None


def cache_dir() -> Path:
    """``$SHENGQING_CACHE`` or the user cache directory."""
    base = os.environ.get("SHENGQING_CACHE")
    if base is None:
        import platformdirs

        base = platformdirs.user_cache_dir("shengqing")
    return Path(base)


def write_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` so that concurrent readers never see a half-written file; ignore a read-only cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except OSError:
        pass


def _source_stamp() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("pypinyin")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - pypinyin is a dependency
        return "0"


def _build() -> tuple[dict[str, str], dict[str, str], str]:
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_tone3

    from shengqing.frontend.phones import canonical

    memo: dict[str, str] = {}

    def conv(mark: str) -> str:
        out = memo.get(mark)
        if out is None:
            out = memo[mark] = canonical(to_tone3(mark, neutral_tone_with_five=True))
        return out

    phrases: dict[str, str] = {}
    raw_phrases: dict[str, Any] = PHRASES_DICT
    for word, syls in raw_phrases.items():
        if 1 < len(word) <= _MAX_PHRASE and len(syls) == len(word):
            phrases[word] = " ".join(conv(s[0]) for s in syls)
    chars: dict[str, str] = {}
    raw_chars: dict[int, str] = PINYIN_DICT
    for cp, readings in raw_chars.items():
        chars[chr(cp)] = conv(readings.split(",")[0])
    from shengqing.frontend import polyphone

    return phrases, chars, "".join(sorted(polyphone.model().candidates))


def _load() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    path = cache_dir() / f"frontend_readings_v{_FORMAT}_{_source_stamp()}.marshal"
    try:
        data: Any = marshal.loads(path.read_bytes())
        return data[0], data[1], frozenset(data[2])
    except (OSError, ValueError, EOFError, TypeError, IndexError):
        pass
    phrases, chars, poly = _build()
    write_atomic(path, marshal.dumps((phrases, chars, poly)))
    return phrases, chars, frozenset(poly)


def tables() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(phrase → "syl syl …", character → default syllable, characters the polyphone model decides);
    loaded once (thread-safe)."""
    global _data
    if _data is None:
        with _lock:
            if _data is None:
                _data = _load()
    return _data


def in_phrase_dict(word: str) -> bool:
    """True if pypinyin's phrase dictionary lists ``word`` (so its reading is word-specific)."""
    return len(word) > 1 and word in tables()[0]


def polyphonic() -> frozenset[str]:
    """Characters with several readings that the polyphone model chooses between."""
    return tables()[2]


def reading(word: str) -> list[str]:
    """One canonical syllable per character (``?`` for characters without a reading)."""
    phrases, chars, _ = tables()
    whole = phrases.get(word)
    if whole is not None:
        return whole.split()
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        for j in range(min(n, i + _MAX_PHRASE), i + 1, -1):
            found = phrases.get(word[i:j])
            if found is not None:
                out.extend(found.split())
                i = j
                break
        else:
            out.append(chars.get(word[i], "?"))
            i += 1
    return out
