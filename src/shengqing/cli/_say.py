"""``shengqing say``: synthesize text to an audio file (or standard output)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..audio import FORMATS, Audio, AudioChunk, normalize_format
from ..errors import InvalidOptionError
from ._common import add_engine_options, add_voice_options, read_text, voice_kwargs
from ._subtitles import SubtitleFile, add_subtitle_options


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
    add_subtitle_options(parser)
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
    to_stdout = str(args.output) == "-"
    subtitles = SubtitleFile.open(args, AtomicOutput)
    timed = subtitles is not None
    output = None if to_stdout else AtomicOutput(args.output)  # an unwritable -o fails before synthesis
    try:
        with Synthesizer(home=args.home, kernels=args.kernels, threads=args.threads, lexicon=lexicon) as engine:
            ssml = True if args.ssml else None
            if len(text) >= PROGRESS_CHARS and not args.quiet and sys.stderr.isatty():
                chunks = engine.stream(text, ssml=ssml, options=options, timestamps=timed)  # the same samples
                audio = Audio.concatenate(_with_progress(chunks, len(text)))
            else:
                audio = engine.synthesize(text, ssml=ssml, options=options, timestamps=timed)
        data = audio.encode(fmt)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            output.commit(data)
        if subtitles is not None:
            subtitles.write(audio.timestamps, text)
    finally:
        if output is not None:
            output.discard()
    if not args.quiet and not to_stdout:
        print(f"{args.output}: {audio.duration:.2f} s of audio, {fmt}, {audio.phrases} phrase(s), "
              f"RTF {audio.rtf:.3f}", file=sys.stderr)
    return 0


#: texts at least this long show progress on a terminal (a long book chapter takes minutes)
PROGRESS_CHARS = 2000


def _with_progress(chunks: Iterator[AudioChunk], total_chars: int) -> Iterator[AudioChunk]:
    seconds = 0.0
    chars = 0
    for chunk in chunks:
        seconds += chunk.duration
        chars += len(chunk.text)
        print(f"\rshengqing: {min(chars, total_chars)}/{total_chars} characters, {seconds:.0f} s of audio",
              end="", file=sys.stderr, flush=True)
        yield chunk
    print(file=sys.stderr)


class AtomicOutput:
    """The output file, written whole or not at all: a temporary file beside it, then a rename.

    Created before synthesis, so an unwritable path is reported at once; a failed write (a full disk)
    leaves the previous file as it was and no partial file behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        os.close(handle)
        self.temp: Path | None = Path(temp)

    def commit(self, data: bytes) -> None:
        assert self.temp is not None
        try:
            with self.temp.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            if self.path.exists():  # keep the permissions of the file it replaces
                shutil.copymode(self.path, self.temp)
            else:
                self.temp.chmod(0o666 & ~_umask())
            os.replace(self.temp, self.path)
        except OSError as exc:
            raise _cannot_write(self.path, exc) from None
        self.temp = None

    def discard(self) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None


def _cannot_write(path: Path, exc: OSError) -> InvalidOptionError:
    return InvalidOptionError(f"cannot write {path}: {exc.strerror or exc}", field="output",
                              hint="choose a writable --output path (nothing was written)")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
