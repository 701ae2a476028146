"""Typed stretches of normalized text: how a stretch must be read (plain text, digit string, spelled)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

TEXT: Final = "text"
PHONE: Final = "phone"  # digit string read with 幺 for 1
SPELL: Final = "spell"  # letters read one by one (URLs, e-mails)


@dataclass(frozen=True)
class Piece:
    """A stretch of normalized text and how it must be read."""

    text: str
    kind: str = TEXT
