"""``shengqing say --json-input``: piper-style batches, one JSON object per line on standard input.

Each line: ``{"text": "…", "output_file": "a.wav", "emotion": "happy", "speed": 1.1, …}``. The model is
loaded once; each line's file is written whole, and its path printed on standard output when done. A bad
line is reported with its number and skipped; the exit code is then 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidOptionError, ShengqingError
from ._output import AtomicOutput, output_format
from ._values import parse_pitch, parse_rate, parse_volume

#: synthesis fields a line may carry (numbers, or edge-tts strings such as "+10%" for rate and volume)
OPTION_FIELDS = ("emotion", "intensity", "speed", "rate", "pitch", "volume")
FIELDS = ("text", "output_file", "format", "ssml", *OPTION_FIELDS)


def run_json_lines(args: argparse.Namespace) -> int:
    from ..engine import Synthesizer
    from ..frontend import Lexicon
    from ..options import SynthesisOptions
    from ._common import voice_kwargs

    defaults = SynthesisOptions.from_kwargs(**voice_kwargs(args))  # command-line options apply to every line
    lexicon = Lexicon.from_file(args.lexicon) if args.lexicon else None
    failed = 0
    with Synthesizer(home=args.home, kernels=args.kernels, threads=args.threads, lexicon=lexicon) as engine:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                doc = _parse(line)
                target = Path(doc["output_file"]) if "output_file" in doc else \
                    args.output_dir / f"{number:04d}.{output_format(args.format, None)}"
                fmt = output_format(doc.get("format", args.format), target)
                options = defaults.replace(**_options(doc))
                output = AtomicOutput(target)
                try:
                    audio = engine.synthesize(doc["text"], ssml=True if doc.get("ssml") or args.ssml else None,
                                              options=options)
                    output.commit(audio.encode(fmt))
                finally:
                    output.discard()
            except ShengqingError as exc:
                failed += 1
                print(f"shengqing: error: line {number}: {exc}", file=sys.stderr, flush=True)
                continue
            print(target, flush=True)
    return 2 if failed else 0


def _parse(line: str) -> dict[str, Any]:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidOptionError(f"not JSON ({exc.msg} at column {exc.colno})", field="line",
                                 hint='one object per line, e.g. {"text": "你好", "output_file": "a.wav"}') from None
    if not isinstance(doc, dict):
        raise InvalidOptionError("each line must be a JSON object", field="line")
    unknown = sorted(set(doc) - set(FIELDS))
    if unknown:
        raise InvalidOptionError(f"unknown field {unknown[0]!r}", field=unknown[0],
                                 hint=f"allowed: {', '.join(FIELDS)}")
    if not isinstance(doc.get("text"), str):
        raise InvalidOptionError("text is required and must be a string", field="text")
    for name in ("output_file", "format"):
        if name in doc and not isinstance(doc[name], str):
            raise InvalidOptionError(f"{name} must be a string", field=name)
    return doc


def _options(doc: dict[str, Any]) -> dict[str, Any]:
    """The line's options in our units; edge-tts strings ("+10%", "+2st") are converted like on the command line."""
    if "rate" in doc and "speed" in doc:
        raise InvalidOptionError("give either speed or rate, not both", field="rate")
    options: dict[str, Any] = {name: doc[name] for name in ("emotion", "intensity", "speed") if name in doc}
    if "rate" in doc:
        options["speed"] = parse_rate(str(doc["rate"]))
    for name, parse in (("pitch", parse_pitch), ("volume", parse_volume)):
        if name in doc:
            options[name] = parse(doc[name]) if isinstance(doc[name], str) else doc[name]
    return options
