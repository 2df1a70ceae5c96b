"""The `scope-bridge` command: run (console or headless), sim, check, status, monitor, learn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bridge.config.load import load_show
from bridge.errors import BridgeError


def _check(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            show = load_show(path)
        except BridgeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(
            f"ok: {path}: {len(show.prompts)} prompts, {len(show.scenes)} scenes, "
            f"{len(show.bindings)} mappings, {len(show.files)} file(s)"
        )
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scope-bridge", description="Live control for Daydream Scope."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate show and mapping files")
    check.add_argument("files", nargs="+")
    check.set_defaults(func=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except BridgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result
