"""``shengqing say``: synthesize text to an audio file (or standard output)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..audio import FORMATS, normalize_format
from ._common import add_engine_options, add_voice_options, read_text, voice_kwargs


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("say", help="synthesize text to an audio file",
                            description="Synthesize Chinese text (or SSML) to audio.")
    parser.add_argument("text", nargs="?", help="text to speak; '-' or omitted: read standard input")
    parser.add_argument("-f", "--file", type=Path, help="read the text from a UTF-8 file ('-' = stdin)")
    parser.add_argument("-o", "--output", type=Path, default=Path("out.wav"),
                        help="output file, '-' for standard output (default: out.wav)")
    parser.add_argument("--format", default=None,
                        help=f"{', '.join(FORMATS)} (ogg = opus); default: from the output suffix, else wav")
    parser.add_argument("--ssml", action="store_true", help="treat the text as SSML (auto when it starts <speak>)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_voice_options(parser)
    add_engine_options(parser)
    parser.set_defaults(run=run)


def _format_for(args: argparse.Namespace) -> str:
    if args.format:
        return normalize_format(args.format)
    suffix = args.output.suffix.lower().lstrip(".")
    if str(args.output) != "-" and suffix:
        return normalize_format(suffix)
    return "wav"


def run(args: argparse.Namespace) -> int:
    from ..engine import Synthesizer
    from ..frontend import Lexicon
    from ..options import SynthesisOptions

    text = read_text(args.text, args.file)
    fmt = _format_for(args)
    lexicon = Lexicon.from_file(args.lexicon) if args.lexicon else None
    options = SynthesisOptions.from_kwargs(**voice_kwargs(args))
    with Synthesizer(home=args.home, kernels=args.kernels, threads=args.threads, lexicon=lexicon) as engine:
        audio = engine.synthesize(text, ssml=True if args.ssml else None, options=options)
    data = audio.encode(fmt)
    if str(args.output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        args.output.write_bytes(data)
    if not args.quiet and str(args.output) != "-":
        print(f"{args.output}: {audio.duration:.2f} s of audio, {fmt}, {audio.phrases} phrase(s), "
              f"RTF {audio.rtf:.3f}", file=sys.stderr)
    return 0
