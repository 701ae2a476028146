"""Options shared by the commands that synthesize."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..errors import InvalidOptionError
from ..runtime import KERNEL_MODES
from ._values import parse_pitch, parse_rate, parse_volume

#: values such as ``-20%``, ``-3st`` or ``-2Hz`` are option values, not options (argparse only knows ``-3``)
_NEGATIVE_VALUE = re.compile(r"^-(\d+\.?\d*|\.\d+)\s*(%|st|semitones?|hz)?$", re.IGNORECASE)


def add_voice_options(parser: argparse.ArgumentParser) -> None:
    # edge-tts users write `--volume -20%` (edge-tts itself needs `--volume=-20%`); both work here
    setattr(parser, "_negative_number_matcher", _NEGATIVE_VALUE)  # noqa: B010 (argparse's own hook, no API)
    group = parser.add_argument_group("voice")
    group.add_argument("--speed", type=float, default=None, help="0.5–2.0, 1.0 = natural (2.0 = twice as fast)")
    group.add_argument("--rate", default=None, metavar="RATE",
                       help="edge-tts style speed: +10%%, -25%% (or a factor like 1.2); instead of --speed")
    group.add_argument("--emotion", default=None,
                       help="neutral, happy, sad, angry, fear, hate, surprise, gentle, serious (or 开心 …), or auto: "
                            "chosen per sentence from the text")
    group.add_argument("--intensity", type=float, default=None,
                       help="emotion strength 0.0–2.0 (default 1.0; 0 = neutral, 2 = caricature)")
    group.add_argument("--pitch", default=None, metavar="PITCH",
                       help="pitch shift in semitones, −6…+6 (natural −4…+6): 2, +2st, -3st, or +20Hz (from 240 Hz)")
    group.add_argument("--volume", default=None, metavar="VOLUME",
                       help="linear gain 0.0–2.0 (limited, never clips), or edge-tts style -20%%, +50%%")
    group.add_argument("--lexicon", type=Path, default=None,
                       help="user pronunciation dictionary: lines of `词语 ci2 yu3`")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("engine")
    group.add_argument("--kernels", choices=KERNEL_MODES, default=None,
                       help="inference kernels (default: $SHENGQING_KERNELS or portable)")
    group.add_argument("--threads", type=int, default=None, help="inference threads (never changes the audio)")
    group.add_argument("--home", type=Path, default=None, help="model home (default: $SHENGQING_HOME)")


def voice_kwargs(args: argparse.Namespace) -> dict[str, object]:
    """The synthesis options given on the command line, edge-tts-style values converted to ours."""
    if args.rate is not None and args.speed is not None:
        raise InvalidOptionError("give either --speed or --rate, not both", field="rate")
    kwargs: dict[str, object] = {"speed": parse_rate(args.rate) if args.rate is not None else args.speed,
                                 "emotion": args.emotion, "intensity": args.intensity,
                                 "pitch": parse_pitch(args.pitch) if args.pitch is not None else None,
                                 "volume": parse_volume(args.volume) if args.volume is not None else None}
    return {name: value for name, value in kwargs.items() if value is not None}


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
        except OSError as exc:  # a usage error (exit 2), like any other bad argument
            raise InvalidOptionError(f"cannot read {file}: {exc.strerror or exc}", field="file",
                                     hint="give an existing, readable UTF-8 text file") from None
    if text is None or text == "-":
        if text is None and sys.stdin.isatty():
            raise InvalidOptionError("no text given", field="text",
                                     hint="pass TEXT, --file FILE, or pipe text on standard input")
        return sys.stdin.read()
    return text
