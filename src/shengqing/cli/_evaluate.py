"""``shengqing eval polyphone FILE.sent FILE.lb``, ``shengqing eval tn FILE`` (the frontend) and
``shengqing eval emotion FILE`` (automatic emotion)."""

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
    poly.add_argument("--split", choices=("all", "tuning", "heldout"), default="all",
                      help="score every item, or only the tuning or held-out half (fixed by a hash of the line)")
    poly.set_defaults(run=run_polyphone)
    tn = tasks.add_parser("tn", help="text normalization CER and exact match per category",
                          description="Score text normalization on FILE: one 'written|spoken' (or "
                          "'written~spoken') case a line, '## category' lines open a category. CER after "
                          "deleting Latin letters and spaces and folding 二/两, 日/号, 幺/一, 摄氏度/度.")
    tn.add_argument("file", type=Path, help="case file")
    tn.add_argument("--split", choices=("all", "tuning", "heldout"), default="all",
                    help="score every case, or only the tuning or held-out third (fixed by a hash of the line)")
    tn.add_argument("--baseline", action="store_true", help="also score the bare wetext normalizer")
    tn.add_argument("--errors", type=int, default=0, help="print up to N wrong cases")
    tn.set_defaults(run=run_tn)
    emo = tasks.add_parser("emotion", help="accuracy of emotion=auto per class, with the majority-class baseline",
                           description="Score emotion=auto on FILE: TSV of a sentence and its label (a preset "
                           "name, alias, or DUTIR class 乐 好 怒 哀 惧 恶 惊), optionally with a header naming "
                           "'text' and 'label' columns.")
    emo.add_argument("file", type=Path, help="labelled TSV")
    emo.add_argument("--errors", type=int, default=0, help="print up to N wrong sentences with the reason")
    emo.set_defaults(run=run_emotion)


def run_polyphone(args: argparse.Namespace) -> int:
    from ..frontend import eval_polyphone

    result = eval_polyphone(args.sent, args.lb, max_errors=args.errors, split=args.split)
    print(result.format())
    for sentence, gold, predicted in result.errors:
        print(f"  gold {gold:8} got {predicted:8} {sentence}")
    return 0


def run_tn(args: argparse.Namespace) -> int:
    from ..errors import ShengqingError
    from ..frontend import normalize, tneval

    try:
        cases = tneval.select(tneval.load(args.file), args.split)
    except OSError as exc:
        raise ShengqingError(f"cannot read {args.file}: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ShengqingError(f"{args.file}: {exc}") from exc
    scores = tneval.score(cases, normalize)
    baseline = tneval.score(cases, tneval.wetext_alone()) if args.baseline else None
    print(tneval.format_table(scores, baseline))
    shown = 0
    for case in cases:
        if shown >= args.errors:
            break
        out = normalize(case.written)
        if tneval.fold(out) != tneval.fold(case.spoken):
            print(f"  [{case.category}] {case.written} -> {out}  (expected {case.spoken})")
            shown += 1
    return 0


def run_emotion(args: argparse.Namespace) -> int:
    from ..autoemotion import explain
    from ..emotioneval import load, score
    from ..errors import ShengqingError

    try:
        items = load(args.file)
    except OSError as exc:
        raise ShengqingError(f"cannot read {args.file}: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise ShengqingError(f"{args.file} is not UTF-8 text") from None
    result = score(items)
    print(result.format())
    shown = 0
    for text, gold in items:
        if shown >= args.errors:
            break
        choices = explain(text)
        got = next((c for c in choices if c.emotion != "neutral"), choices[0]) if choices else None
        if got is not None and got.emotion != gold:
            print(f"  gold {gold:8} got {got.emotion:8} {text}  [{got.reason()}]")
            shown += 1
    return 0
