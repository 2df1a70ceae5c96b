"""The console process: `python -m bridge.console.app.main --port N`, started by the bridge.

It draws the show console on the terminal it inherited and talks to the bridge over TCP on
127.0.0.1:N, first proving with the token the bridge put in its environment that it is the
console the bridge started. When the performer quits, it tells the bridge to
stop; when the bridge goes away, it closes. Its exit code says whether it ended cleanly (0)
or crashed (the bridge then starts a new one and the show goes on).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path

from bridge.console.app.app import ConsoleApp
from bridge.console.app.remote import RemoteHost
from bridge.console.wire.frames import HELLO_TIMEOUT_S, TOKEN_ENV, hello
from bridge.errors import BridgeError
from bridge.watch.rundir import open_append

log = logging.getLogger("bridge.console")
NICENESS = 5
"""The console runs a little below the bridge in the scheduler's eyes."""


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bridge.console.app.main")
    parser.add_argument("--port", type=int, required=True, help="the bridge's console port")
    parser.add_argument("--log", help="append this process's log to this file")
    parser.add_argument("--headless", action="store_true", help="draw to nowhere (benchmarks)")
    parser.add_argument("--size", type=parse_size, help="WIDTHxHEIGHT when headless")
    args = parser.parse_args(argv)
    if args.log:  # appended to, never through a symbolic link planted in its place
        try:
            stream = os.fdopen(open_append(Path(args.log)), "a", encoding="utf-8")
        except BridgeError as exc:
            print(f"scope-bridge console: {exc}", file=sys.stderr)
            return 1
        logging.basicConfig(
            stream=stream,
            level=logging.INFO,
            format="%(asctime)s %(levelname)-7s console %(name)s %(message)s",
        )
    if hasattr(os, "nice"):  # when both cores are busy, the show's control path goes first
        os.nice(NICENESS)
    token = os.environ.pop(TOKEN_ENV, "")  # not passed on to anything this process starts
    try:
        sock = socket.create_connection(("127.0.0.1", args.port), timeout=HELLO_TIMEOUT_S)
        sock.sendall(hello(token))
    except OSError as exc:
        print(f"scope-bridge console: cannot reach the bridge on port {args.port}: {exc}")
        return 1
    host = RemoteHost(sock)
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
