"""How the stand-in is set up: ``SimOptions`` and the command-line switches that fill them.

Kept apart from the server so ``scope-bridge`` can offer the switches without importing
aiohttp and aiortc until the stand-in actually runs.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from bridge.scope.models import IceServer

ICE_CREDENTIAL_ENV = "SCOPE_SIM_TURN_CREDENTIAL"
"""Where ``--ice-username`` finds its TURN credential: never on a command line ``ps`` shows."""


@dataclass(frozen=True, slots=True)
class SimOptions:
    """How the stand-in behaves. ``fps`` and ``chunk_frames`` override every pipeline's own
    chunk model (``catalog``) when set; ``frontend`` is a normal install's HTML catch-all;
    ``tempo_link`` offers tempo sync run by the stand-in's own clock."""

    version: str = "0.2.4"
    fps: float | None = None
    chunk_frames: int | None = None
    queue_size: int = 8
    load_time_s: float = 0.3
    width: int = 576
    height: int = 320
    frontend: bool = True
    tempo_link: bool = True
    sim_endpoints: bool = True
    """``False`` hides ``/sim/*`` (the web UI answers there), to pose as a real Scope."""
    ice_servers: tuple[IceServer, ...] = ()
    """What ``/api/v1/webrtc/ice-servers`` hands out, and what the stand-in's own peer
    connections use, as Scope does with its TURN credentials. Empty by default: the stand-in
    is local, and a public STUN server is not."""


def add_options(parser: argparse.ArgumentParser) -> None:
    """The stand-in's switches, shared with ``scope-bridge sim``."""
    defaults = SimOptions()
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="TCP port to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--scope-version",
        "--version",
        dest="version",
        default=defaults.version,
        help="the Scope release whose API shapes to speak, 0.1.4 ... 0.2.4 (default: %(default)s)",
    )
    parser.add_argument(
        "--fps",
        type=float,
        default=None,
        help="frames generated per second by every pipeline (default: each pipeline's own)",
    )
    parser.add_argument(
        "--chunk-frames",
        type=int,
        default=None,
        help="frames per pipeline call, one parameter update applied per call (default: 12 "
        "for the Wan pipelines, 4 for streamdiffusionv2, 1 for controller-viz)",
    )
    parser.add_argument(
        "--queue-size",
        type=int,
        default=defaults.queue_size,
        help="parameter updates Scope queues before dropping the newest (default: %(default)s)",
    )
    parser.add_argument(
        "--load-time",
        type=float,
        default=defaults.load_time_s,
        help="seconds a pipeline takes to load (default: %(default)s)",
    )
    parser.add_argument(
        "--no-frontend",
        dest="frontend",
        action="store_false",
        help='answer unknown GET paths 404 "Frontend not built" instead of the web UI HTML',
    )
    parser.add_argument(
        "--no-tempo-link",
        dest="tempo_link",
        action="store_false",
        help="offer no tempo source (as a Scope without its link/midi extras)",
    )
    parser.add_argument(
        "--ice-server",
        dest="ice_servers",
        action="append",
        default=None,
        metavar="URL",
        help="a STUN/TURN URL to hand out at /api/v1/webrtc/ice-servers and use itself "
        "(repeatable; default: none)",
    )
    parser.add_argument(
        "--ice-username",
        default=None,
        help=f"TURN username for the --ice-server TURN URLs; the credential is read from "
        f"${ICE_CREDENTIAL_ENV} (default: none)",
    )


def from_args(args: argparse.Namespace) -> dict[str, Any]:
    """``SimOptions`` fields from parsed arguments."""
    return {
        "version": args.version,
        "fps": args.fps,
        "chunk_frames": args.chunk_frames,
        "queue_size": args.queue_size,
        "load_time_s": args.load_time,
        "frontend": args.frontend,
        "tempo_link": args.tempo_link,
        "ice_servers": ice_servers(args.ice_servers or [], args.ice_username or ""),
    }


def ice_servers(urls: list[str], username: str) -> tuple[IceServer, ...]:
    """The ``--ice-server`` URLs, TURN ones with the username and the credential from
    ``$SCOPE_SIM_TURN_CREDENTIAL``; a URL aiortc cannot read is refused here."""
    from bridge.scope.ice_urls import is_turn, url_problem

    credential = os.environ.get(ICE_CREDENTIAL_ENV) or None
    servers = []
    for url in urls:
        problem = url_problem(url)
        if problem:
            raise SystemExit(f"--ice-server {url!r} {problem}")
        if is_turn(url):
            servers.append(IceServer((url,), username or None, credential))
        else:
            servers.append(IceServer((url,)))
    return tuple(servers)
