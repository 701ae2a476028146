"""User pronunciation dictionary: word → pinyin, overriding every other stage.

File format: one entry a line, ``word pin1 yin1``; ``#`` starts a comment; blank lines ignored. Pinyin is
validated when the entry is added, so a bad entry fails loudly at load time and names itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from shengqing.errors import LexiconError
from shengqing.frontend.phones import parse_pinyin


class Lexicon:
    """Thread-safe mapping word → tuple of canonical pinyin syllables (``("yin2", "hang2")``)."""

    def __init__(self, entries: Mapping[str, str] | None = None) -> None:
        self._entries: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._max_len = 0
        for word, pinyin in (entries or {}).items():
            self.add(word, pinyin)

    @classmethod
    def from_file(cls, path: str | Path) -> Lexicon:
        """Load a lexicon file; :class:`LexiconError` names the file and line of a bad entry."""
        lex = cls()
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(f"cannot read lexicon file {path}: {exc}", field="lexicon") from exc
        for lineno, line in enumerate(text.splitlines(), 1):
            body = line.split("#", 1)[0].strip()
            if not body:
                continue
            parts = body.split(None, 1)
            if len(parts) != 2:
                raise LexiconError(f"{path}:{lineno}: entry {body!r} has no pinyin", field="lexicon",
                                   hint="write 'word pin1 yin1'")
            try:
                lex.add(parts[0], parts[1])
            except LexiconError as exc:
                raise LexiconError(f"{path}:{lineno}: {exc.message}", field="lexicon", value=body,
                                   hint=exc.hint) from exc
        return lex

    def add(self, word: str, pinyin: str) -> None:
        """Add or replace an entry; ``pinyin`` is space-separated syllables with tone digits."""
        word = word.strip()
        if not word or any(c.isspace() for c in word):
            raise LexiconError(f"invalid lexicon word {word!r}", field="lexicon")
        try:
            syllables = tuple(parse_pinyin(pinyin))
        except LexiconError as exc:
            raise LexiconError(f"lexicon entry {word!r}: {exc.message}", field="lexicon",
                               value=f"{word} {pinyin}", hint=exc.hint) from exc
        if not syllables:
            raise LexiconError(f"lexicon entry {word!r} has no pinyin", field="lexicon")
        with self._lock:
            self._entries[word] = syllables
            self._max_len = max(self._max_len, len(word))

    def get(self, word: str) -> tuple[str, ...] | None:
        """Reading of ``word`` or None."""
        return self._entries.get(word)

    def __contains__(self, word: object) -> bool:
        return word in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._entries))

    def split(self, text: str) -> list[tuple[str, tuple[str, ...] | None]]:
        """Cut ``text`` into lexicon words (with readings) and the stretches between them (longest match)."""
        entries, max_len = self._entries, self._max_len
        if not entries:
            return [(text, None)]
        out: list[tuple[str, tuple[str, ...] | None]] = []
        buf = ""
        i = 0
        while i < len(text):
            for n in range(min(max_len, len(text) - i), 0, -1):
                reading = entries.get(text[i:i + n])
                if reading is not None:
                    if buf:
                        out.append((buf, None))
                        buf = ""
                    out.append((text[i:i + n], reading))
                    i += n
                    break
            else:
                buf += text[i]
                i += 1
        if buf:
            out.append((buf, None))
        return out
