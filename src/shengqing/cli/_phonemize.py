"""``shengqing phonemize``: show every frontend stage for a text (the debugging view).

SSML (``--ssml``, or text starting ``<speak``) is read as the engine reads it: tags are markup, not text;
the output lists each phrase with the options the markup gives it, its phones and the pause after it.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._common import read_text


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("phonemize", help="show normalized text, words, pinyin and phones",
                            description="Show each frontend stage: normalized text, words with POS, "
                                        "pinyin before and after tone sandhi, phones with prosody marks. "
                                        "SSML is parsed, not read aloud: its phrases, options and phones are shown.")
    parser.add_argument("text", nargs="?", help="text; '-' or omitted: read standard input")
    parser.add_argument("-f", "--file", type=Path, help="read the text from a UTF-8 file")
    parser.add_argument("--ssml", action="store_true", help="treat the text as SSML (auto when it starts <speak>)")
    parser.add_argument("--lexicon", type=Path, default=None, help="user pronunciation dictionary")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--emotion", choices=("auto",), default=None,
                        help="auto: also show the emotion chosen for each sentence and why")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..frontend import Frontend, Lexicon

    text = read_text(args.text, args.file)
    lexicon = Lexicon.from_file(args.lexicon) if args.lexicon else None
    frontend = Frontend(lexicon)
    if args.ssml or text.lstrip().startswith("<speak"):
        phrases = _ssml_phrases(text, frontend)
        if args.json:
            print(json.dumps({"ssml": text, "phrases": phrases}, ensure_ascii=False, indent=2))
        else:
            print(_format_ssml(text, phrases))
        return 0
    trace = frontend.analyze(text)
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


def _ssml_phrases(text: str, frontend: Any) -> list[dict[str, Any]]:
    from ..options import SynthesisOptions
    from ..ssml import plan_ssml

    defaults = SynthesisOptions()
    phrases = []
    for phrase, options in plan_ssml(text, defaults, frontend):
        changed = {k: v for k, v in options.to_dict().items() if v != getattr(defaults, k)}
        phrases.append({**asdict(phrase), "options": changed})
    return phrases


def _format_ssml(text: str, phrases: list[dict[str, Any]]) -> str:
    lines = [f"ssml:       {text}",
             "spoken:     " + "".join(p["text"] + p["final_punct"] for p in phrases)]
    for i, phrase in enumerate(phrases, 1):
        options = ", ".join(f"{k}={v}" for k, v in phrase["options"].items()) or "defaults"
        what = phrase["text"] + phrase["final_punct"] if phrase["phones"] else "(silence)"
        lines.append(f"phrase {i}: {what}  [{phrase['syllables']} syl, pause {phrase['pause_ms']} ms; {options}]")
        if phrase["phones"]:
            lines.append("  phones:  " + " ".join(phrase["phones"]))
    return "\n".join(lines)
