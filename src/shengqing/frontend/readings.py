"""Dictionary readings (pypinyin's data) in a compact cache, without importing pypinyin at run time.

Importing pypinyin costs ~0.25 s (its phrase and character dictionaries are large Python modules, plus its
segmenter). We need only two lookups: the reading of a phrase-dictionary word and the default reading of a
character. On first use they are converted once, with pypinyin, into numbered-tone syllables and stored as a
marshal file in the cache directory (~1 s, once per machine and pypinyin version); afterwards loading is a
single ``marshal.loads`` (~0.02 s) of compact tables (see :class:`Tables`, ~7 MB resident instead of ~20 MB
as dicts). Words not in the phrase dictionary are read by forward maximum matching over it, then character
defaults, as pypinyin does.
"""

from __future__ import annotations

import array
import bisect
import marshal
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

_FORMAT: Final = 2
_MAX_PHRASE: Final = 8

T = TypeVar("T")


def once(loader: Callable[[], T]) -> Callable[[], T]:
    """``loader()`` run on the first call only, under a lock (the frontend's shared data loads lazily, once)."""
    lock = threading.Lock()
    loaded: list[T] = []

    def get() -> T:
        if not loaded:
            with lock:
                if not loaded:
                    loaded.append(loader())
        return loaded[0]

    get.__doc__ = loader.__doc__
    return get


def cache_dir() -> Path:
    """``$SHENGQING_CACHE`` or the user cache directory."""
    base = os.environ.get("SHENGQING_CACHE")
    if base is None:
        import platformdirs

        base = platformdirs.user_cache_dir("shengqing")
    return Path(base)


def write_atomic(path: Path, payload: bytes, *, replaces: str | None = None) -> None:
    """Write ``payload`` so that concurrent readers never see a half-written file; ignore a read-only cache.

    ``replaces``: a glob of older versions of this cache file, deleted once the new one is in place.
    """
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
        tmp = None
        for stale in path.parent.glob(replaces) if replaces else ():
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        if tmp is not None:  # a failed write (full disk) leaves no temporary file behind
            Path(tmp).unlink(missing_ok=True)


def _source_stamp() -> str:
    """Sizes of pypinyin's two data files: cheap (no import of pypinyin, no metadata scan, ~20 ms each)."""
    import importlib.util

    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:  # pragma: no cover - pypinyin is a dependency
        return "0"
    folder = Path(spec.origin).parent
    return "_".join(str((folder / name).stat().st_size) for name in ("pinyin_dict.json", "phrases_dict.json"))


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


class Tables:
    """Compact reading tables: phrases as one newline-joined ``word\treading`` string per first character
    (looked up with ``str.find``, never unpacked into dict entries), character defaults as a sorted string of
    characters + parallel syllable ids (binary search). ~3 MB instead of ~20 MB of dict entries."""

    def __init__(self, blocks: dict[str, str], chars: str, ids: bytes, syllables: list[str], poly: str) -> None:
        self.blocks = blocks
        self.chars = chars
        self.ids = array.array("H")
        self.ids.frombytes(ids)
        self.syllables = syllables
        self.poly = frozenset(poly)

    def phrase(self, word: str) -> str | None:
        """Reading ("syl syl …") of a phrase-dictionary word, or None."""
        block = self.blocks.get(word[:1])
        if block is None:
            return None
        at = block.find(f"\n{word}\t")
        if at < 0:
            return None
        start = at + len(word) + 2
        return block[start:block.index("\n", start)]

    def char(self, ch: str) -> str | None:
        """Default reading of a character, or None."""
        k = bisect.bisect_left(self.chars, ch)
        if k < len(self.chars) and self.chars[k] == ch:
            return self.syllables[self.ids[k]]
        return None


def _pack(phrases: dict[str, str], chars: dict[str, str], poly: str) -> tuple[Any, ...]:
    grouped: dict[str, list[str]] = {}
    for word, syls in phrases.items():
        grouped.setdefault(word[0], []).append(f"{word}\t{syls}")
    blocks = {c: "\n" + "\n".join(lines) + "\n" for c, lines in grouped.items()}
    keys = "".join(sorted(chars))
    syllables = sorted(set(chars.values()))
    index = {s: i for i, s in enumerate(syllables)}
    ids = array.array("H", (index[chars[c]] for c in keys)).tobytes()
    return blocks, keys, ids, syllables, poly


def _load() -> Tables:
    path = cache_dir() / f"frontend_readings_v{_FORMAT}_{_source_stamp()}.marshal"
    try:
        data: Any = marshal.loads(path.read_bytes())
        return Tables(*data)
    except (OSError, ValueError, EOFError, TypeError, IndexError):
        pass
    packed = _pack(*_build())
    write_atomic(path, marshal.dumps(packed), replaces="frontend_readings_v*.marshal")
    return Tables(*packed)


tables: Callable[[], Tables] = once(_load)
"""The reading tables, loaded once (thread-safe)."""


def in_phrase_dict(word: str) -> bool:
    """True if pypinyin's phrase dictionary lists ``word`` (so its reading is word-specific)."""
    return len(word) > 1 and tables().phrase(word) is not None


def polyphonic() -> frozenset[str]:
    """Characters with several readings that the polyphone model chooses between."""
    return tables().poly


def reading(word: str) -> list[str]:
    """One canonical syllable per character (``?`` for characters without a reading)."""
    t = tables()
    whole = t.phrase(word) if len(word) > 1 else None
    if whole is not None:
        return whole.split()
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        for j in range(min(n, i + _MAX_PHRASE), i + 1, -1):
            found = t.phrase(word[i:j])
            if found is not None:
                out.extend(found.split())
                i = j
                break
        else:
            out.append(t.char(word[i]) or "?")
            i += 1
    return out
