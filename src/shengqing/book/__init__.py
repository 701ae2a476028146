"""Audiobook / batch synthesis: ``shengqing book`` (see ``docs/book.md``).

:mod:`.sources` reads the input into items, :mod:`.runner` synthesizes the missing ones into
:mod:`.store`'s atomic files and journal (locally or on Ray, :mod:`._ray`), then writes the joined file
(:mod:`.id3` chapter marks) and the manifest, last.
"""

from __future__ import annotations

from .job import BookJob
from .runner import run_book
from .sources import Item, read_items

__all__ = ["BookJob", "Item", "read_items", "run_book"]
