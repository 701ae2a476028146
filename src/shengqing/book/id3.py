"""A minimal ID3v2.4 tag writer for chapter marks (``CHAP`` + ``CTOC``, ID3v2 Chapter Frame Addendum 1.0).

Only what a joined audiobook MP3 needs: a title (``TIT2``), one ``CHAP`` frame per chapter with its start
and end in milliseconds and an embedded ``TIT2``, and one top-level ordered ``CTOC`` listing them. Text is
UTF-8 (encoding byte 3, allowed from v2.4). Sizes are "syncsafe" (7 bits per byte), as v2.4 requires.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

_NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: readers take the times


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start_ms: int
    end_ms: int


def syncsafe(value: int) -> bytes:
    if not 0 <= value < 1 << 28:
        raise ValueError(f"ID3 size out of range: {value}")
    return bytes(((value >> shift) & 0x7F) for shift in (21, 14, 7, 0))


def _frame(frame_id: str, body: bytes) -> bytes:
    return frame_id.encode("ascii") + syncsafe(len(body)) + b"\0\0" + body


def _text_frame(frame_id: str, text: str) -> bytes:
    return _frame(frame_id, b"\x03" + text.encode("utf-8"))


def chapter_tag(title: str, chapters: Sequence[ChapterMark]) -> bytes:
    """The complete ID3v2.4 tag (header + frames) to put in front of the MP3 frames."""
    if len(chapters) > 255:
        raise ValueError("an ID3 table of contents holds at most 255 chapters")
    frames = [_text_frame("TIT2", title)] if title else []
    element_ids = [f"ch{n}".encode("ascii") for n in range(len(chapters))]
    toc = (b"toc\0" + bytes([0x03, len(chapters)])  # flags: top-level, ordered
           + b"".join(e + b"\0" for e in element_ids))
    frames.append(_frame("CTOC", toc))
    for element, mark in zip(element_ids, chapters, strict=True):
        body = (element + b"\0" + struct.pack(">IIII", mark.start_ms, mark.end_ms, _NO_OFFSET, _NO_OFFSET)
                + (_text_frame("TIT2", mark.title) if mark.title else b""))
        frames.append(_frame("CHAP", body))
    payload = b"".join(frames)
    return b"ID3\x04\x00\x00" + syncsafe(len(payload)) + payload
