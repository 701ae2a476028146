"""``shengqing voices``: the voices this build speaks with, and the terms of their training data."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("voices", help="list voices: language, gender, sample rate, licence",
                            description="List the voices and the licence of their training data.")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def voice_list() -> list[dict[str, object]]:
    from ..audio import SAMPLE_RATE
    from ..models.store import TERMS
    from ..server.schemas import DEFAULT_VOICE, VOICE_ALIASES, VOICES

    return [{**voice, "sample_rate": SAMPLE_RATE, "default": name == DEFAULT_VOICE,
             "aliases": list(VOICE_ALIASES) if name == DEFAULT_VOICE else [],
             "model_license": TERMS["model"], "data_license": TERMS["training_data"]}
            for name, voice in VOICES.items()]


def run(args: argparse.Namespace) -> int:
    voices = voice_list()
    if args.json:
        print(json.dumps({"voices": voices}, ensure_ascii=False, indent=2))
        return 0
    for voice in voices:
        default = " (default)" if voice["default"] else ""
        print(f"{voice['name']}{default}  {voice['language']}  {voice['gender']}  {voice['sample_rate']} Hz  "
              f"{voice['description']}")
        print(f"  licence: model {voice['model_license']}; training data: {voice['data_license']}")
    return 0
