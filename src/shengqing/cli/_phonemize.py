"""``shengqing phonemize``: show every frontend stage for a text (the debugging view)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from ._common import read_text


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("phonemize", help="show normalized text, words, pinyin and phones",
                            description="Show each frontend stage: normalized text, words with POS, "
                                        "pinyin before and after tone sandhi, phones with prosody marks.")
    parser.add_argument("text", nargs="?", help="text; '-' or omitted: read standard input")
    parser.add_argument("-f", "--file", type=Path, help="read the text from a UTF-8 file")
    parser.add_argument("--lexicon", type=Path, default=None, help="user pronunciation dictionary")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--emotion", choices=("auto",), default=None,
                        help="auto: also show the emotion chosen for each sentence and why")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..frontend import Frontend, Lexicon

    text = read_text(args.text, args.file)
    lexicon = Lexicon.from_file(args.lexicon) if args.lexicon else None
    trace = Frontend(lexicon).analyze(text)
    choices = None
    if args.emotion == "auto":
        from ..autoemotion import explain

        choices = explain(text)
    if args.json:
        body = asdict(trace)
        if choices is not None:
            body["emotion"] = [{**asdict(c), "reason": c.reason()} for c in choices]
        print(json.dumps(body, ensure_ascii=False, indent=2, default=str))
    else:
        print(trace.format())
        for choice in choices or ():
            print(f"emotion: {choice.emotion} {choice.intensity:g}  {choice.sentence.strip()}  "
                  f"[{choice.reason()}]")
    return 0
