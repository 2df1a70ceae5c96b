"""``python -m bridge.sim``: run the Scope stand-in on its own (tests start it this way)."""

from __future__ import annotations

import argparse
import logging

from bridge.sim.server import SimOptions, run_sim


def main() -> None:
    defaults = SimOptions()
    parser = argparse.ArgumentParser(prog="python -m bridge.sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--version", default=defaults.version, help="Scope version to mimic")
    parser.add_argument("--fps", type=float, default=defaults.fps)
    parser.add_argument("--chunk-frames", type=int, default=defaults.chunk_frames)
    parser.add_argument("--queue-size", type=int, default=defaults.queue_size)
    parser.add_argument("--load-time", type=float, default=defaults.load_time_s)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_sim(
        args.host,
        args.port,
        version=args.version,
        fps=args.fps,
        chunk_frames=args.chunk_frames,
        queue_size=args.queue_size,
        load_time_s=args.load_time,
    )


if __name__ == "__main__":
    main()
