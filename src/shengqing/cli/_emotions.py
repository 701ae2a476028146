"""``shengqing emotions``: list the emotion presets and their parameters."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("emotions", help="list emotion presets and their parameters")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..emotion import ALIASES, EMOTIONS, describe_presets

    presets = describe_presets()
    if args.json:
        print(json.dumps(presets, ensure_ascii=False, indent=2))
        return 0
    aliases: dict[str, list[str]] = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    for name in EMOTIONS:
        params = ", ".join(f"{k}={v}" for k, v in presets[name].items() if k != "description")
        print(f"{name:9} {'/'.join(aliases.get(name, [])):14} {params}")
    return 0
