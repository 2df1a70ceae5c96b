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
    "audio": ("bridge.features.bench", "run_audio_bench"),
    "tempo": ("scripts.benchmarks.tempo", "run"),
}


def load(group: str) -> Callable[[bool], dict[str, float]]:
    module, name = GROUPS[group]
    func: Callable[[bool], dict[str, float]] = getattr(importlib.import_module(module), name)
    return func


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("groups", nargs="*", help=f"any of: {' '.join(GROUPS)} (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a smoke test")
    args = parser.parse_args(argv)
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
