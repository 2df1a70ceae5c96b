"""Run benchmark groups and print a table, or one JSON object with --json.

Each group is a function returning metric name → number, measured in this run together with
its own baseline (machines here are shared and noisy: medians and ratios, never absolutes
from another run).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable

GROUPS: dict[str, tuple[str, str]] = {
    "core": ("scripts.benchmarks.core", "run"),
    "pacing": ("scripts.benchmarks.pacing", "run"),
    "scope": ("scripts.benchmarks.reconnect", "run"),
    "stalls": ("scripts.benchmarks.stalls", "run"),
    "osc": ("scripts.benchmarks.control", "run"),
    "control": ("scripts.benchmarks.control", "run"),
    "midi": ("scripts.benchmarks.control", "run"),
    "tui": ("scripts.benchmarks.tui", "run"),
    "frames": ("scripts.benchmarks.frames_e2e", "run_all"),
    "audio": ("scripts.harness.audio_bench", "run_audio_bench"),
    "tempo": ("scripts.benchmarks.tempo", "run"),
    "soak": ("scripts.benchmarks.soak", "run"),
    "fanout": ("scripts.benchmarks.fanout", "run"),
    "turn": ("scripts.benchmarks.turn", "run"),
}
TIMED = {"soak", "fanout"}
"""Groups that take a duration: ``soak 600`` runs the soak for 600 s."""


def load(group: str) -> Callable[..., dict[str, float]]:
    module, name = GROUPS[group]
    func: Callable[..., dict[str, float]] = getattr(importlib.import_module(module), name)
    return func


def durations(words: list[str]) -> tuple[list[str], dict[str, float]]:
    """Split ``soak 600 scope`` into the groups and each timed group's seconds."""
    groups: list[str] = []
    seconds: dict[str, float] = {}
    for word in words:
        try:
            value = float(word)
        except ValueError:
            groups.append(word)
            continue
        if not groups or groups[-1] not in TIMED or value <= 0:
            raise SystemExit(f"scripts/bench: {word!r} must follow one of: {', '.join(TIMED)}")
        seconds[groups[-1]] = value
    return groups, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument(
        "groups",
        nargs="*",
        help=f"any of: {' '.join(GROUPS)} (default: all); soak takes SECONDS after it",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a smoke test")
    args = parser.parse_args(argv)
    args.groups, seconds = durations(args.groups)
    logging.basicConfig(level=logging.ERROR)  # the figures are the output, not the bridge's log
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    results: dict[str, float] = {}
    done: set[tuple[str, str]] = set()
    for group in args.groups or list(GROUPS):
        if GROUPS[group] in done:
            continue  # one measurement run serves several groups
        done.add(GROUPS[group])
        print(f"bench: running {group} ...", file=sys.stderr)
        if group in seconds:
            results.update(load(group)(args.quick, seconds=seconds[group]))
        else:
            results.update(load(group)(args.quick))
    if args.json:
        print(json.dumps(results, indent=1, sort_keys=True))
    else:
        width = max(map(len, results), default=10)
        for name, value in results.items():
            print(f"{name:<{width}}  {value:>14,.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
