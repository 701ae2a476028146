"""``shengqing eval polyphone FILE.sent FILE.lb``: measure polyphone disambiguation accuracy."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("eval", help="evaluate the frontend on a benchmark")
    tasks = parser.add_subparsers(dest="task", metavar="TASK")
    tasks.required = True
    poly = tasks.add_parser("polyphone", help="polyphone accuracy on a CPP-format benchmark")
    poly.add_argument("sent", type=Path, help="sentences, the polyphone marked ▁X▁")
    poly.add_argument("lb", type=Path, help="gold pinyin, one per line (numbered tones)")
    poly.add_argument("--errors", type=int, default=0, help="print up to N wrong items")
    poly.set_defaults(run=run_polyphone)


def run_polyphone(args: argparse.Namespace) -> int:
    from ..frontend import eval_polyphone

    result = eval_polyphone(args.sent, args.lb, max_errors=args.errors)
    print(result.format())
    for sentence, gold, predicted in result.errors:
        print(f"  gold {gold:8} got {predicted:8} {sentence}")
    return 0
