"""Build small EPUB files for the tests (EPUB 3 with a nav document, or EPUB 2 with an NCX)."""

from __future__ import annotations

import zipfile
from pathlib import Path

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def chapter(title: str, body: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n"))
    return (f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
            f"<title>ignored head</title><style>p {{ color: red }}</style></head><body><h1>{title}</h1>"
            f"{paragraphs}<script>var x = '不读';</script></body></html>")


def make_epub(path: Path, chapters: list[tuple[str, str]], *, version: int = 3, nav_titles: bool = True) -> Path:
    items = "".join(f'<item id="c{n}" href="text/c{n}.xhtml" media-type="application/xhtml+xml"/>'
                    for n in range(len(chapters)))
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(len(chapters)))
    if version == 3:
        items += '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        spine = '<itemref idref="nav" linear="no"/>' + spine + '<itemref idref="notes" linear="no"/>'
        items += '<item id="notes" href="text/notes.xhtml" media-type="application/xhtml+xml"/>'
        toc_attr = ""
    else:
        items += '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
        toc_attr = ' toc="ncx"'
    opf = (f'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="{version}.0">'
           f'<metadata/><manifest>{items}</manifest><spine{toc_attr}>{spine}</spine></package>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("OEBPS/content.opf", opf)
        for n, (title, body) in enumerate(chapters):
            archive.writestr(f"OEBPS/text/c{n}.xhtml", chapter(title, body))
        if version == 3:
            links = "".join(f'<li><a href="text/c{n}.xhtml#top">目录{title}</a></li>'
                            for n, (title, _) in enumerate(chapters) if nav_titles)
            archive.writestr("OEBPS/nav.xhtml",
                             '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
                             f'<body><nav epub:type="toc"><ol>{links}</ol></nav></body></html>')
            archive.writestr("OEBPS/text/notes.xhtml", chapter("注释", "这段不在正文里。"))
        else:
            points = "".join(f'<navPoint id="p{n}"><navLabel><text>目录{title}</text></navLabel>'
                             f'<content src="text/c{n}.xhtml"/></navPoint>' for n, (title, _) in enumerate(chapters))
            archive.writestr("OEBPS/toc.ncx", '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
                             f"<navMap>{points}</navMap></ncx>")
    return path
