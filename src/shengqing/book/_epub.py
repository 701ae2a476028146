"""EPUB 2/3 → chapters: one per linear spine document, titled from the navigation document.

``META-INF/container.xml`` names the package (OPF) file; its ``<spine>`` gives the reading order and its
``<manifest>`` the files. Titles come from the EPUB 3 nav document (``properties="nav"``) or the EPUB 2 NCX,
else the document's first heading. Parsing uses the standard library's XML parser (container, OPF, nav,
NCX) and HTML parser (the XHTML text, tolerant of the invalid markup real books contain), never regexes.
Every member is read with a size cap, so a zip bomb cannot exhaust memory.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from ..errors import InvalidOptionError

MAX_MEMBER_BYTES = 64 * 1024 * 1024
_BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section",
                     "article", "title", "dd", "dt", "pre", "hr"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED = frozenset({"script", "style", "head", "rt", "rp", "svg", "math"})  # rt/rp: ruby annotations
_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf",
       "ncx": "http://www.daisy.org/z3986/2005/ncx/", "x": "http://www.w3.org/1999/xhtml",
       "ops": "http://www.idpf.org/2007/ops"}


def read_epub(path: Path) -> list[tuple[str, str]]:
    try:
        with zipfile.ZipFile(path) as archive:
            return _chapters(archive)
    except zipfile.BadZipFile:
        raise InvalidOptionError(f"{path} is not an EPUB (not a zip archive)", field="input") from None
    except ET.ParseError as exc:
        raise InvalidOptionError(f"{path}: malformed EPUB XML ({exc})", field="input") from None


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise InvalidOptionError(f"the EPUB lacks {name}", field="input") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise InvalidOptionError(f"the EPUB member {name} is too large ({info.file_size} bytes)", field="input")
    with archive.open(info) as handle:
        data = handle.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise InvalidOptionError(f"the EPUB member {name} is too large", field="input")
    return data


def _chapters(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    container = ET.fromstring(_read(archive, "META-INF/container.xml"))
    rootfile = container.find(".//c:rootfile", _NS)
    if rootfile is None or not rootfile.get("full-path"):
        raise InvalidOptionError("the EPUB's container.xml names no package file", field="input")
    opf_path = rootfile.get("full-path", "")
    opf = ET.fromstring(_read(archive, opf_path))
    base = posixpath.dirname(opf_path)
    manifest: dict[str, tuple[str, str]] = {}  # id → (path in the zip, properties)
    for entry in opf.iterfind("opf:manifest/opf:item", _NS):
        href = unquote(entry.get("href", ""))
        manifest[entry.get("id", "")] = (posixpath.normpath(posixpath.join(base, href)), entry.get("properties", ""))
    spine = opf.find("opf:spine", _NS)
    if spine is None:
        raise InvalidOptionError("the EPUB has no spine", field="input")
    titles = _nav_titles(archive, manifest, spine.get("toc"))
    chapters: list[tuple[str, str]] = []
    for ref in spine.iterfind("opf:itemref", _NS):
        if ref.get("linear", "yes") == "no" or ref.get("idref") not in manifest:
            continue
        doc_path, properties = manifest[ref.get("idref", "")]
        if "nav" in properties.split():
            continue
        text, heading = _xhtml_text(_read(archive, doc_path).decode("utf-8", errors="replace"))
        chapters.append((titles.get(doc_path) or heading, text))
    return chapters


def _nav_titles(archive: zipfile.ZipFile, manifest: dict[str, tuple[str, str]], toc_id: str | None) -> dict[str, str]:
    """Document path → the first title the navigation gives it (fragments dropped)."""
    titles: dict[str, str] = {}

    def add(doc: str, href: str, label: str) -> None:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), unquote(href.split("#")[0])))
        if label.strip() and target not in titles:
            titles[target] = " ".join(label.split())

    nav = next((p for p, props in manifest.values() if "nav" in props.split()), None)
    if nav is not None:
        root = ET.fromstring(_read(archive, nav))
        for element in root.iter(f"{{{_NS['x']}}}nav"):
            if element.get(f"{{{_NS['ops']}}}type", "toc") != "toc":
                continue
            for link in element.iter(f"{{{_NS['x']}}}a"):
                add(nav, link.get("href", ""), "".join(link.itertext()))
    elif toc_id and toc_id in manifest:
        ncx_path = manifest[toc_id][0]
        root = ET.fromstring(_read(archive, ncx_path))
        for point in root.iter(f"{{{_NS['ncx']}}}navPoint"):
            label = point.find("ncx:navLabel/ncx:text", _NS)
            content = point.find("ncx:content", _NS)
            if label is not None and content is not None:
                add(ncx_path, content.get("src", ""), label.text or "")
    return titles


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.heading: list[str] | None = None  # the first h1–h6, while it is being read
        self.first_heading = ""
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag in _HEADINGS and not self.first_heading and self.heading is None:
            self.heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag in _HEADINGS and self.heading is not None:
            self.first_heading = " ".join("".join(self.heading).split())
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data)
        if self.heading is not None:
            self.heading.append(data)


def _xhtml_text(markup: str) -> tuple[str, str]:
    """The visible text (one line per block) and the first heading."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line), collector.first_heading
