"""Options shared by the commands that synthesize."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InvalidOptionError
from ..runtime import KERNEL_MODES


def add_voice_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("voice")
    group.add_argument("--speed", type=float, default=None, help="0.5–2.0, 1.0 = natural (2.0 = twice as fast)")
    group.add_argument("--emotion", default=None,
                       help="neutral, happy, sad, angry, fear, hate, surprise, gentle, serious (or 开心 …), or auto: "
                            "chosen per sentence from the text")
    group.add_argument("--intensity", type=float, default=None,
                       help="emotion strength 0.0–2.0 (default 1.0; 0 = neutral, 2 = caricature)")
    group.add_argument("--pitch", type=float, default=None, help="pitch shift in semitones, −6…+6 (natural −4…+6)")
    group.add_argument("--volume", type=float, default=None, help="linear gain 0.0–2.0 (limited, never clips)")
    group.add_argument("--lexicon", type=Path, default=None,
                       help="user pronunciation dictionary: lines of `词语 ci2 yu3`")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("engine")
    group.add_argument("--kernels", choices=KERNEL_MODES, default=None,
                       help="inference kernels (default: $SHENGQING_KERNELS or portable)")
    group.add_argument("--threads", type=int, default=None, help="inference threads (never changes the audio)")
    group.add_argument("--home", type=Path, default=None, help="model home (default: $SHENGQING_HOME)")


def voice_kwargs(args: argparse.Namespace) -> dict[str, object]:
    return {name: getattr(args, name) for name in ("speed", "emotion", "intensity", "pitch", "volume")
            if getattr(args, name) is not None}


def read_text(text: str | None, file: Path | None) -> str:
    """TEXT argument, ``-f FILE`` or standard input (``-`` or no TEXT with input piped in)."""
    if text is not None and file is not None:
        raise InvalidOptionError("give either TEXT or --file, not both", field="text")
    if file is not None:
        if str(file) == "-":
            return sys.stdin.read()
        try:
            return file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidOptionError(f"{file} is not UTF-8 text", field="file") from None
    if text is None or text == "-":
        if text is None and sys.stdin.isatty():
            raise InvalidOptionError("no text given", field="text",
                                     hint="pass TEXT, --file FILE, or pipe text on standard input")
        return sys.stdin.read()
    return text
