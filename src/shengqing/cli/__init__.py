"""Command-line interface: ``shengqing say|book|phonemize|voices|models|emotions|eval|serve|verify|bench``.

Each subcommand lives in its own module exposing ``register(subparsers)``; errors are printed as one
readable line, never a traceback, with the exit codes of :data:`EXIT_CODES` (docs/cli.md).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .._version import __version__
from ..errors import ShengqingError

#: subcommand modules, in the order ``--help`` lists them
COMMAND_MODULES = ("say", "book", "phonemize", "voices", "models", "emotions", "evaluate", "serve", "verify", "bench")

#: the documented exit codes (docs/cli.md); ``verify`` and ``eval`` add 1 for a failed check
EXIT_OK = 0
EXIT_FAILURE = 1  # the input was fine but the work failed: model missing or corrupt, no audio device, I/O
EXIT_USAGE = 2  # bad arguments or input: unknown option, invalid value, unreadable file, nothing to say
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_CODES = {"ok": EXIT_OK, "failure": EXIT_FAILURE, "usage": EXIT_USAGE, "interrupted": EXIT_INTERRUPTED}


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (and exit code 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shengqing",
        description="声情 shengqing — offline Chinese multi-emotion text-to-speech.",
    )
    parser.add_argument("--version", action="version", version=f"shengqing {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}._{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}._{name}":
                raise
            continue  # a command that is not part of this build
        module.register(sub)
    return parser


def _enable_completion(parser: argparse.ArgumentParser) -> None:
    """Shell completion through argcomplete: a no-op unless the shell's completion hook is asking."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete
    except ImportError:  # completion is optional: without the package the command still runs
        return
    argcomplete.autocomplete(parser)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    _enable_completion(parser)
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except ShengqingError as exc:
        print(f"shengqing: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ValueError | LookupError) else EXIT_FAILURE
    except KeyboardInterrupt:
        print("shengqing: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of standard output went away (`| head`): nothing more to say
        return EXIT_FAILURE
    except OSError as exc:
        target = f" {exc.filename}" if exc.filename else ""
        print(f"shengqing: error:{target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE


def run() -> NoReturn:
    """The ``shengqing`` command: :func:`main`, then exit without tearing the interpreter down.

    Everything the command writes is closed by then; skipping Python's finalisation (the frontend's
    dictionaries, LiteRT's interpreters, the worker pool) saves ~50 ms per invocation.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
