"""``shengqing say``: synthesize text to an audio file, standard output or the speakers."""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..audio import FORMATS, Audio, AudioChunk
from ._common import add_engine_options, add_voice_options, read_text, voice_kwargs
from ._output import WHOLE_ONLY_FORMATS, AtomicOutput, StdoutStream, output_format
from ._progress import wanted as progress_wanted
from ._progress import with_progress
from ._subtitles import SubtitleFile, add_subtitle_options

if TYPE_CHECKING:
    from ..engine import Synthesizer
    from ..options import SynthesisOptions
    from ..timestamps import Timestamps
    from ._play import Player

__all__ = ["AtomicOutput", "register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("say", help="synthesize text to an audio file, standard output or the speakers",
                            description="Synthesize Chinese text (or SSML) to audio. Option names of edge-tts "
                                        "(--text, --write-media, --rate, --volume, --pitch) and piper "
                                        "(--json-input) work too; see docs/cli.md.")
    parser.add_argument("text", nargs="?", help="text to speak; '-' or omitted: read standard input")
    parser.add_argument("-t", "--text", dest="text_option", metavar="TEXT", help="text to speak (as edge-tts)")
    parser.add_argument("-f", "--file", type=Path, help="read the text from a UTF-8 file ('-' = stdin)")
    parser.add_argument("-o", "--output", "--write-media", dest="output", type=Path, default=None,
                        help="output file, '-' streams to standard output as the audio is produced "
                             "(default: out.wav, or none with --play)")
    parser.add_argument("--format", default=None,
                        help=f"{', '.join(FORMATS)} (ogg = opus); default: from the output suffix, else wav")
    parser.add_argument("--ssml", action="store_true", help="treat the text as SSML (auto when it starts <speak>)")
    parser.add_argument("--play", action="store_true",
                        help="play through the default audio output as it is synthesized (needs shengqing[play])")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on standard error (default: on for long text when stderr is a terminal)")
    parser.add_argument("--json-input", action="store_true",
                        help="piper style: read JSON lines {\"text\": …, \"output_file\": …} from standard input")
    parser.add_argument("--output-dir", type=Path, default=Path("."),
                        help="with --json-input: where lines without output_file are written (default: .)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_voice_options(parser)
    add_engine_options(parser)
    add_subtitle_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..engine import Synthesizer
    from ..frontend import Lexicon
    from ..options import SynthesisOptions

    if args.json_input:
        from ._jsonlines import run_json_lines

        return run_json_lines(args)
    text = read_text(_text_argument(args), args.file)
    output = args.output if args.output is not None or args.play else Path("out.wav")
    fmt = output_format(args.format, output)
    lexicon = Lexicon.from_file(args.lexicon) if args.lexicon else None
    options = SynthesisOptions.from_kwargs(**voice_kwargs(args))
    to_stdout = output is not None and str(output) == "-"
    # everything that can fail without the model fails first: the output path, then the audio device
    subtitles = SubtitleFile.open(args, AtomicOutput)  # a bad subtitle path fails before anything is created
    file_output = AtomicOutput(output) if output is not None and not to_stdout else None
    try:
        with contextlib.ExitStack() as stack:
            player = None
            if args.play:
                from ._play import Player

                player = stack.enter_context(Player())
            engine = stack.enter_context(Synthesizer(home=args.home, kernels=args.kernels, threads=args.threads,
                                                     lexicon=lexicon))
            if to_stdout and fmt in WHOLE_ONLY_FORMATS and not args.quiet:
                print(f"shengqing: note: {fmt} cannot be streamed; it is written to standard output at the end "
                      "(wav, pcm, mp3 and opus stream)", file=sys.stderr)
            progress = progress_wanted(args.progress, args.quiet, len(text))
            request = _Request(text, True if args.ssml else None, options, subtitles is not None)
            if to_stdout or player is not None or progress:
                tally = _stream(engine, request, fmt, file_output, to_stdout, player, progress)
            else:
                audio = engine.synthesize(text, ssml=request.ssml, options=options, timestamps=request.timed)
                tally = _Tally.of(audio)
                if file_output is not None:
                    file_output.commit(audio.encode(fmt))
        if subtitles is not None:
            subtitles.write(tally.timestamps, text)
    finally:
        if file_output is not None:
            file_output.discard()
    if not args.quiet:
        figures = f"{tally.phrases} phrase(s), RTF {tally.rtf:.3f}"
        if output is not None and not to_stdout:
            print(f"{output}: {tally.seconds:.2f} s of audio, {fmt}, {figures}", file=sys.stderr)
        elif args.play:
            print(f"shengqing: played {tally.seconds:.2f} s of audio, {figures}", file=sys.stderr)
    return 0


def _text_argument(args: argparse.Namespace) -> str | None:
    from ..errors import InvalidOptionError

    if args.text is not None and args.text_option is not None:
        raise InvalidOptionError("give the text either as an argument or with --text, not both", field="text")
    return args.text if args.text is not None else args.text_option  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Request:
    text: str
    ssml: bool | None
    options: SynthesisOptions
    timed: bool = False  # timestamps wanted (for --subtitles)


@dataclass
class _Tally:
    """What the summary line reports, without keeping the audio."""

    seconds: float = 0.0
    phrases: int = 0
    compute: float = 0.0
    stamps: list[Timestamps] = field(default_factory=list)  # per chunk, when timestamps were asked for

    @classmethod
    def of(cls, audio: Audio) -> _Tally:
        return cls(audio.duration, audio.phrases, audio.timings.total,
                   [audio.timestamps] if audio.timestamps is not None else [])

    def add(self, chunk: AudioChunk) -> None:
        self.seconds += chunk.duration
        self.phrases += 1
        self.compute += chunk.timings.total
        if chunk.timestamps is not None:
            self.stamps.append(chunk.timestamps)

    @property
    def timestamps(self) -> Timestamps | None:
        from ..timestamps import Timestamps

        return Timestamps.join(self.stamps) if self.stamps else None

    @property
    def rtf(self) -> float:
        return self.compute / self.seconds if self.seconds else 0.0


def _stream(engine: Synthesizer, request: _Request, fmt: str, file_output: AtomicOutput | None, to_stdout: bool,
            player: Player | None, progress: bool) -> _Tally:
    """Phrase by phrase (the same samples as a whole synthesis): to stdout, speakers, progress bar."""
    chunks = engine.stream(request.text, ssml=request.ssml, options=request.options, timestamps=request.timed)
    if progress:
        chunks = with_progress(chunks, len(request.text))
    stdout = StdoutStream(fmt) if to_stdout else None
    kept: list[AudioChunk] = []
    tally = _Tally()
    for chunk in chunks:
        tally.add(chunk)
        if stdout is not None:
            stdout.write(chunk.samples)
        if player is not None:
            player.write(chunk.samples)
        if file_output is not None:
            kept.append(chunk)
    if stdout is not None:
        stdout.finish()
    if file_output is not None:
        file_output.commit(Audio.concatenate(kept).encode(fmt))
    return tally
