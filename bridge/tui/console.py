"""The console process: `python -m bridge.tui.console --fd N`, started by the bridge.

It draws the show console on the terminal it inherited and talks to the bridge through the
socket it was handed (file descriptor N). When the performer quits, it tells the bridge to
stop; when the bridge goes away, it closes. Its exit code says whether it ended cleanly (0)
or crashed (the bridge then starts a new one and the show goes on).
"""

from __future__ import annotations

import argparse
import logging
import socket

from bridge.tui.app import ConsoleApp
from bridge.tui.remote import RemoteHost

log = logging.getLogger("bridge.tui")


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bridge.tui.console")
    parser.add_argument("--fd", type=int, required=True, help="the socket to the bridge")
    parser.add_argument("--log", help="append this process's log to this file")
    parser.add_argument("--headless", action="store_true", help="draw to nowhere (benchmarks)")
    parser.add_argument("--size", type=parse_size, help="WIDTHxHEIGHT when headless")
    args = parser.parse_args(argv)
    if args.log:
        logging.basicConfig(
            filename=args.log,
            level=logging.INFO,
            format="%(asctime)s %(levelname)-7s console %(name)s %(message)s",
        )
    host = RemoteHost(socket.socket(fileno=args.fd))
    app = ConsoleApp(host)
    host.on_gone = app.exit
    try:
        app.run(headless=args.headless, size=args.size)
    finally:
        host.stop()
    code = app.return_code
    log.info("console: exit code %s", code)
    return 0 if not code else 1


if __name__ == "__main__":
    raise SystemExit(main())
