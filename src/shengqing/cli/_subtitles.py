"""``shengqing say --subtitles FILE``: subtitles (SRT, WebVTT or JSON timestamps) beside the audio."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..errors import InvalidOptionError
from ..subtitles import render, subtitle_format
from ..timestamps import Timestamps


class _Output(Protocol):
    def commit(self, data: bytes) -> None: ...

    def discard(self) -> None: ...


def add_subtitle_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subtitles", "--write-subtitles", dest="subtitles", type=Path, metavar="FILE",
                        help="also write subtitles timed from the model's durations: .srt, .vtt, or .json "
                             "(characters, words, phrases and cues); see docs/timestamps.md")


class SubtitleFile:
    """The subtitle file of one ``say`` run: checked before synthesis, written (atomically) after it."""

    def __init__(self, path: Path, make_output: Callable[[Path], _Output]) -> None:
        self.path = path
        self.format = subtitle_format(path)  # a bad suffix fails before synthesis
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise InvalidOptionError(f"cannot write {path}: {folder} is not a writable folder", field="subtitles",
                                     hint="choose a writable --subtitles path (nothing was written)")
        self._make_output = make_output

    @classmethod
    def open(cls, args: argparse.Namespace, make_output: Callable[[Path], _Output]) -> SubtitleFile | None:
        """None when ``--subtitles`` was not given."""
        path: Path | None = args.subtitles
        return None if path is None else cls(path, make_output)

    def write(self, timestamps: Timestamps | None, text: str) -> None:
        data = render(self.format, timestamps or Timestamps(), text).encode("utf-8")
        output = self._make_output(self.path)
        try:
            output.commit(data)
        finally:
            output.discard()
