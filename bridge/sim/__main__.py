"""``python -m bridge.sim``: run the Scope stand-in on its own (tests start it this way)."""

from __future__ import annotations

import argparse
import logging

from bridge.sim.options import add_options, from_args
from bridge.sim.server import run_sim


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bridge.sim", description=__doc__)
    add_options(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_sim(args.host, args.port, **from_args(args))


if __name__ == "__main__":
    main()
