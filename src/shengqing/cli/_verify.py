"""``shengqing verify snapshot|check|compare|self``: prove that deployments produce the same audio.

Exit codes: 0 every item identical (or equivalent with ``--tolerant``), 1 a mismatch or an item that could not
be rendered, 2 a usage error (bad manifest, unknown target, …). ``self``: 0 identical (or skipped: another
kernel mode or model), 1 different.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidOptionError
from ..runtime import KERNEL_MODES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("verify", help="check that servers and builds produce identical audio",
                            description="Record golden manifests and check local builds or live servers "
                                        "against them (see docs/consistency.md).")
    actions = parser.add_subparsers(dest="verify_action", metavar="ACTION")
    actions.required = True

    snap = actions.add_parser("snapshot", help="render a suite and write a golden manifest")
    snap.add_argument("--suite", default="default", help="'default' or a suite file (JSON or one text per line)")
    snap.add_argument("-o", "--output", type=Path, required=True, help="manifest to write ('-' = stdout)")
    snap.add_argument("--target", default="local",
                      help="local, local:portable, local:fast, local:reference or a server URL (default: local)")
    _common(snap)
    snap.set_defaults(run=run_snapshot)

    check = actions.add_parser("check", help="check targets against a golden manifest")
    check.add_argument("golden", type=Path, help="manifest written by `verify snapshot`")
    check.add_argument("--target", action="append", required=True,
                       help="local, local:portable, local:fast, local:reference or a server URL; repeat for a fleet")
    _report_options(check)
    _common(check)
    check.set_defaults(run=run_check)

    comp = actions.add_parser("compare", help="render a suite on two targets and compare them")
    comp.add_argument("target_a", help="first target (the reference side)")
    comp.add_argument("target_b", help="second target")
    comp.add_argument("--suite", default="default", help="'default' or a suite file")
    _report_options(comp)
    _common(comp)
    comp.set_defaults(run=run_compare)

    own = actions.add_parser("self", help="does this machine reproduce the reference bytes? (the server's "
                                          "start-up self-check)")
    own.add_argument("--kernels", choices=KERNEL_MODES, default=None, help="kernel mode (only portable is checked)")
    own.add_argument("--home", default=None, help="model home")
    own.add_argument("--json", action="store_true", help="print the full result as JSON")
    own.set_defaults(run=run_self)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", action="append", default=None, metavar="ID",
                        help="only items whose id starts with ID (repeatable)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N items")
    parser.add_argument("--kernels", choices=KERNEL_MODES, default=None,
                        help="kernel mode of a plain `local` target")
    parser.add_argument("--threads", type=int, default=None, help="inference threads of local targets")
    parser.add_argument("--home", default=None, help="model home of local targets")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per HTTP request (default 120)")
    parser.add_argument("--api-key", default=None, help="bearer key for servers that require one")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tolerant", action="store_true", help="exit 0 when every item is at least equivalent")
    parser.add_argument("--json", type=Path, default=None, help="write the full report as JSON")
    parser.add_argument("--junit", type=Path, default=None, help="write a JUnit XML report")


def _target_spec(spec: str, args: argparse.Namespace) -> str:
    return f"local:{args.kernels}" if spec == "local" and args.kernels else spec


def _open(spec: str, args: argparse.Namespace) -> Any:
    from ..verify.targets import open_target

    if args.threads is not None and not 1 <= args.threads <= 64:
        raise InvalidOptionError("--threads must be from 1 to 64", field="threads")
    return open_target(_target_spec(spec, args), threads=args.threads, home=args.home, timeout=args.timeout,
                       api_key=args.api_key)


def _select(items: list[Any], args: argparse.Namespace) -> list[Any]:
    if args.only:
        items = [i for i in items if any(i.id.startswith(prefix) for prefix in args.only)]
    if args.limit is not None:
        items = items[:max(args.limit, 0)]
    if not items:
        raise InvalidOptionError("no suite items selected", field="only", hint="check --only/--limit")
    return items


def run_snapshot(args: argparse.Namespace) -> int:
    from ..verify.compare import Tolerance
    from ..verify.manifest import build_manifest, run_suite, write_json
    from ..verify.report import ProgressBar
    from ..verify.suite import Suite, load_suite

    suite = load_suite(args.suite)
    items = _select(list(suite.items), args)
    suite = Suite(suite.name, tuple(items))
    target = _open(args.target, args)
    try:
        bar = ProgressBar(len(items), "snapshot ", enabled=not args.quiet)
        run = run_suite(target, items, bar)
    finally:
        target.close()
    write_json(args.output, build_manifest(suite, run, Tolerance()))
    failed = [r for r in run.records if "error" in r]
    for record in failed:
        print(f"shengqing: {record['id']}: {record['error']}", file=sys.stderr)
    if not args.quiet:
        print(f"{args.output}: {len(items)} items from {run.target} in {run.seconds:.1f} s"
              f"{f', {len(failed)} failed' if failed else ''}", file=sys.stderr)
    return 1 if failed else 0


def _finish(reports: list[Any], args: argparse.Namespace) -> int:
    from ..verify.report import table, write_junit

    for report in reports:
        print(table(report))
    passed = all(r.passed(args.tolerant) for r in reports)
    if args.json is not None:
        data = {"passed": passed, "tolerant": args.tolerant, "targets": [r.to_dict(args.tolerant) for r in reports]}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.junit is not None:
        write_junit(args.junit, reports, args.tolerant)
    print("verify: " + ("PASS" if passed else "FAIL") + (" (tolerant)" if args.tolerant else ""))
    return 0 if passed else 1


def run_check(args: argparse.Namespace) -> int:
    from ..verify.compare import Tolerance
    from ..verify.manifest import compare_runs, load_manifest, manifest_items, run_suite
    from ..verify.report import ProgressBar

    manifest = load_manifest(args.golden)
    items = _select(manifest_items(manifest), args)
    tolerance = Tolerance.from_dict(manifest.get("tolerance", {}))
    reports = []
    for spec in args.target:
        target = _open(spec, args)
        try:
            bar = ProgressBar(len(items), f"{target.name} ", enabled=not args.quiet)
            run = run_suite(target, items, bar)
        finally:
            target.close()
        reports.append(compare_runs(manifest, run, tolerance))
    return _finish(reports, args)


def run_compare(args: argparse.Namespace) -> int:
    from ..verify.compare import Tolerance
    from ..verify.manifest import build_manifest, compare_runs, run_suite
    from ..verify.report import ProgressBar
    from ..verify.suite import Suite, load_suite

    suite = load_suite(args.suite)
    items = _select(list(suite.items), args)
    bar = ProgressBar(2 * len(items), "compare ", enabled=not args.quiet)
    runs = []
    for spec in (args.target_a, args.target_b):
        target = _open(spec, args)
        try:
            runs.append(run_suite(target, items, bar, keep_samples=True))
        finally:
            target.close()
    expected = build_manifest(Suite(suite.name, tuple(items)), runs[0], Tolerance())
    report = compare_runs(expected, runs[1], Tolerance(), expected_samples=runs[0].samples)
    report.target = f"{runs[0].target} vs {runs[1].target}"
    for record in runs[0].records:  # failures on side A make the item an error too
        if "error" in record:
            for verdict in report.verdicts:
                if verdict.id == record["id"] and verdict.status != "error":
                    verdict.status, verdict.reasons = "error", [f"{runs[0].target}: {record['error']}"]
    return _finish([report], args)


def run_self(args: argparse.Namespace) -> int:
    from ..engine import Synthesizer
    from ..verify.selfcheck import DIFFERENT, run_self_check

    with Synthesizer(home=args.home, kernels=args.kernels) as engine:
        result = run_self_check(engine)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(f"self-check {result.status}: {result.reason}"
              + (f" ({result.seconds:.2f} s)" if result.items else ""))
    return 1 if result.status == DIFFERENT else 0
