"""Book inputs → an ordered list of :class:`Item` (one audio file each).

* ``.txt``: a line that is a chapter heading (``第…章/回/节/卷/部/集/篇`` with an optional title, ``序章``,
  ``楔子``, ``引子``, ``尾声``, ``后记``, ``番外…``, or ``Chapter N``) starts a chapter; without such lines,
  blocks separated by two or more blank lines are chapters; otherwise the whole file is one chapter.
* ``.md``: parsed with markdown-it-py; the shallowest heading level used at least twice (else the
  shallowest used) starts a chapter; text before the first such heading is a chapter of its own.
* ``.epub``: one chapter per spine document (see :mod:`._epub`).
* ``.jsonl``: one item per line, ``{"id", "text", "title", "emotion", "intensity", "speed", "pitch",
  "volume"}`` (``id`` and ``text`` required).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidOptionError

#: per-item voice options a JSONL line may set
ITEM_OPTIONS = ("emotion", "intensity", "speed", "pitch", "volume")
_JSONL_KEYS = frozenset({"id", "text", "title", *ITEM_OPTIONS})
_ID_CHARS = re.compile(r"[\w.-]{1,100}")
_NUMERALS = "0-9零〇一二三四五六七八九十百千万两壹贰叁肆伍陆柒捌玖拾佰仟"
_TXT_HEADING = re.compile(
    rf"^\s*(?:第[{_NUMERALS}]+[章回节卷部集篇](?:[\s:：、.·-].{{0,40}})?|(?:序章|序言|楔子|引子|尾声|后记|番外)"
    r"(?:[\s:：、.·-].{0,40}|[^。！？!?]{0,20})?|chapter\s+[0-9ivxlc]+\b.{0,60})\s*$", re.IGNORECASE)
_BLANK_RUN = re.compile(r"\n[ \t\u3000]*\n(?:[ \t\u3000]*\n)+")


@dataclass(frozen=True)
class Item:
    """One unit of output: a chapter or a JSONL item."""

    id: str
    title: str
    text: str
    options: dict[str, Any] = field(default_factory=dict)  # per-item overrides of the run's voice options


def read_items(path: Path) -> list[Item]:
    """Read ``path`` by its suffix; raises :class:`InvalidOptionError` naming the problem."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".epub":
            from ._epub import read_epub

            chapters = read_epub(path)
        else:
            raw = path.read_text(encoding="utf-8-sig")
            if suffix == ".jsonl":
                return _drop_empty(_read_jsonl(raw, path))
            chapters = _split_markdown(raw) if suffix in (".md", ".markdown") else _split_txt(raw)
            # a heading is read aloud at the start of its chapter (an EPUB's is part of its document)
            chapters = [(title, f"{title}\n{text}" if title else text) for title, text in chapters]
    except UnicodeDecodeError:
        raise InvalidOptionError(f"{path} is not UTF-8 text", field="input") from None
    except OSError as exc:
        raise InvalidOptionError(f"cannot read {path}: {exc.strerror or exc}", field="input") from None
    items = [Item(id=f"{n:04d}", title=title, text=text) for n, (title, text) in enumerate(chapters, 1)]
    return _drop_empty(items)


def _drop_empty(items: list[Item]) -> list[Item]:
    kept = [item for item in items if item.text.strip()]
    if not kept:
        raise InvalidOptionError("the input contains no text to read", field="input",
                                 hint="give a .txt, .md, .epub or .jsonl file with Chinese text")
    return kept


def _split_txt(raw: str) -> list[tuple[str, str]]:
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings = [i for i, line in enumerate(lines) if line.strip() and _TXT_HEADING.match(line)]
    if headings:
        chapters: list[tuple[str, str]] = []
        if "".join(lines[:headings[0]]).strip():
            chapters.append(("", "\n".join(lines[:headings[0]]).strip()))
        for k, start in enumerate(headings):
            end = headings[k + 1] if k + 1 < len(headings) else len(lines)
            chapters.append((lines[start].strip(), "\n".join(lines[start + 1:end]).strip()))
        return chapters
    blocks = [b.strip() for b in _BLANK_RUN.split("\n".join(lines)) if b.strip()]
    return [("", block) for block in blocks]


def _split_markdown(raw: str) -> list[tuple[str, str]]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(raw)
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    repeated = [lv for lv in sorted(set(levels)) if levels.count(lv) >= 2]
    level = repeated[0] if repeated else (min(levels) if levels else 0)
    chapters: list[tuple[str, list[str]]] = [("", [])]
    heading: int | None = None  # level of the heading being read
    for token in tokens:
        if token.type == "heading_open":
            heading = int(token.tag[1])
        elif token.type == "heading_close":
            heading = None
        elif token.type == "inline":
            text = "".join(child.content for child in token.children or () if child.type in ("text", "code_inline"))
            if heading == level:
                chapters.append((text.strip(), []))
            else:
                chapters[-1][1].append(text.strip())
    return [(title, "\n".join(p for p in parts if p)) for title, parts in chapters
            if title or any(parts)]


def _read_jsonl(raw: str, path: Path) -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidOptionError(f"{where}: not JSON ({exc.msg})", field="input") from None
        if not isinstance(record, dict):
            raise InvalidOptionError(f"{where}: each line must be a JSON object", field="input")
        unknown = sorted(set(record) - _JSONL_KEYS)
        if unknown:
            raise InvalidOptionError(f"{where}: unknown key {unknown[0]!r}", field=unknown[0],
                                     hint=f"allowed keys: {', '.join(sorted(_JSONL_KEYS))}")
        item_id, text = record.get("id"), record.get("text")
        if isinstance(item_id, int) and not isinstance(item_id, bool):
            item_id = str(item_id)
        if not isinstance(item_id, str) or not _ID_CHARS.fullmatch(item_id) or item_id.startswith("."):
            raise InvalidOptionError(f"{where}: id must be 1–100 letters, digits, '.', '-' or '_' "
                                     f"(not starting with '.'), got {item_id!r}", field="id")
        if item_id in seen:
            raise InvalidOptionError(f"{where}: duplicate id {item_id!r}", field="id")
        if not isinstance(text, str):
            raise InvalidOptionError(f"{where}: text must be a string", field="text")
        title = record.get("title", "")
        if not isinstance(title, str):
            raise InvalidOptionError(f"{where}: title must be a string", field="title")
        seen.add(item_id)
        options = {k: record[k] for k in ITEM_OPTIONS if record.get(k) is not None}
        items.append(Item(id=item_id, title=title, text=text, options=options))
    return items
