"""``shengqing book``: a .txt/.md/.epub/.jsonl book to one audio file per chapter, resumably."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..audio import FORMATS, normalize_format
from ._common import add_engine_options, add_voice_options, voice_kwargs


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "book", help="synthesize a book or a JSONL batch, one file per chapter (resumable)",
        description="Synthesize a .txt, .md, .epub or .jsonl file into OUTDIR: one audio file per chapter or "
                    "item, then manifest.json (written last). Rerun the same command after an interruption: "
                    "finished chapters are kept (checked by sha256), the rest is done. See docs/book.md.")
    parser.add_argument("input", type=Path, help="book file: .txt, .md, .epub or .jsonl")
    parser.add_argument("-o", "--outdir", type=Path, required=True, help="output directory")
    parser.add_argument("--format", default="wav", help=f"{', '.join(FORMATS)} (default wav)")
    parser.add_argument("--joined", metavar="NAME.mp3", default=None,
                        help="also write one MP3 of the whole book with ID3 chapter marks (needs wav or flac)")
    parser.add_argument("--title", default="", help="title stored in the joined file")
    parser.add_argument("--subtitles", default="srt", metavar="FORMATS",
                        help="subtitle files beside each chapter, comma-separated: srt, vtt, json, or 'none' "
                             "(default srt; timed by the model's durations, see docs/timestamps.md)")
    parser.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                        help="spread chapters over a Ray cluster (ADDRESS as for ray.init, e.g. 'auto' or "
                             "ray://head:10001; none: a local Ray); needs shengqing[ray]")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    add_voice_options(parser)
    add_engine_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..book import BookJob, read_items, run_book
    from ..errors import InvalidOptionError
    from ..options import SynthesisOptions
    from ..runtime import KernelMode

    if args.lexicon:
        raise InvalidOptionError("book does not take --lexicon yet", field="lexicon")
    fmt = normalize_format(args.format)
    if args.joined is not None and (not args.joined.endswith(".mp3") or Path(args.joined).name != args.joined):
        raise InvalidOptionError("--joined takes a file name ending in .mp3 (written inside OUTDIR)",
                                 field="joined")
    subtitles = _subtitle_formats(args.subtitles)
    items = read_items(args.input)
    options = SynthesisOptions.from_kwargs(**voice_kwargs(args))
    for item in items:  # a bad per-item option fails now, not hours into the run
        try:
            options.replace(**item.options)
        except InvalidOptionError as exc:
            raise InvalidOptionError(f"item {item.id!r}: {exc.message}", field=exc.field, hint=exc.hint) from None
    # the kernels are fixed here, so Ray actors cannot pick another mode from their own environment
    engine_kwargs = {"home": args.home, "kernels": str(KernelMode.parse(args.kernels)), "threads": args.threads}
    use_ray = args.ray is not None
    if use_ray:
        from ..models.store import ModelStore

        model = ModelStore(args.home).ensure()
        engine_info = {"kernels": engine_kwargs["kernels"], "model": model.fingerprint}
        engine = None
    else:
        from ..engine import Synthesizer

        engine = Synthesizer(**engine_kwargs)
        engine_info = {"kernels": str(engine.kernels), "model": engine.model.fingerprint}
    job = BookJob(items=items, outdir=args.outdir, fmt=fmt, options=options, joined=args.joined,
                  title=args.title, engine_info=engine_info, subtitles=subtitles)
    try:
        manifest = run_book(job, engine, use_ray=use_ray, ray_address=args.ray or None, quiet=args.quiet,
                            engine_kwargs=engine_kwargs)
    finally:
        if engine is not None:
            engine.close()
    if not args.quiet:
        print(f"{args.outdir}: {len(manifest['items'])} file(s), {manifest['total_duration']:.1f} s of audio, "
              f"manifest.json written", file=sys.stderr)
    return 0


def _subtitle_formats(value: str) -> tuple[str, ...]:
    from ..errors import InvalidOptionError

    if value.strip().lower() in ("", "none"):
        return ()
    kinds = tuple(dict.fromkeys(k.strip().lower().lstrip(".") for k in value.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in ("srt", "vtt", "json")]
    if unknown:
        raise InvalidOptionError(f"unknown subtitle format {unknown[0]!r}", field="subtitles",
                                 hint="use srt, vtt, json (comma-separated) or none")
    return kinds
