"""The `scope-bridge` command: run (console or headless), sim, check, doctor, status, monitor,
learn.

Whatever goes wrong, a command says it in one sentence on stderr and exits non-zero: our
own errors, an OS error (a port, a file), a bridge that stopped. A reader that closes the
pipe (``status | head``) ends the command quietly, as it would `cat`. Only a bug prints
more, and then only a pointer to where its traceback was written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bridge.config.addresses import shown_url, url_problem
from bridge.config.load import load_show
from bridge.config.osc_clash import osc_clashes
from bridge.config.show_tables import size_advice
from bridge.config.surface import surface_addresses
from bridge.core.show import Show
from bridge.errors import BridgeError, ConfigError, ConfigErrors
from bridge.scope.pipelines import ANY_SIZE
from bridge.sim.options import add_options as add_sim_options
from bridge.sim.options import from_args


def _check(args: argparse.Namespace) -> int:
    """Validate as `run` would, this machine included (OSC hosts resolve and are ours)."""
    failed = 0
    for path in args.files:
        try:
            show = load_show(path, fragment=True, resolve=True)
        except ConfigErrors as exc:  # every mistake, one line each, then how many
            for error in exc.errors:
                print(f"error: {error}", file=sys.stderr)
            print(f"{path}: {len(exc.errors)} errors", file=sys.stderr)
            failed += 1
            continue
        except BridgeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        mapped = sum(1 for b in show.bindings if not b.surface)  # a surface is said as one
        if not show.prompts:
            print(f"ok: {path}: a fragment ({mapped} mappings): include it from a show")
            continue
        surfaces = "".join(
            f", OSC surface {d.name} at {d.surface}/… "
            f"({len(surface_addresses(show, d.name))} targets"
            + (f", OSCQuery on TCP {d.oscquery}" if d.oscquery else "")
            + (", announced" if d.oscquery_advertise else "")
            + ")"
            for d in show.osc
            if d.surface
        )
        print(
            f"ok: {path}: {len(show.prompts)} prompts, {len(show.scenes)} scenes, "
            f"{mapped} mappings{surfaces}, {len(show.files)} file(s)"
        )
        for note in check_notes(show):
            print(f"warning: {path}: {note}", file=sys.stderr)
    return 1 if failed else 0


def _doctor(args: argparse.Namespace) -> int:
    """Everything the machine and the show need, one line each; 1 if something is missing."""
    from bridge.cli import doctor

    show = None
    if args.show:
        try:
            show = load_show(args.show, resolve=True)
        except ConfigErrors as exc:
            for error in exc.errors:
                print(f"error: {error}", file=sys.stderr)
            print(f"{args.show}: {len(exc.errors)} errors: fix them first", file=sys.stderr)
            return 1
        if args.scope_url:
            show = with_scope_url(show, args.scope_url)
    findings = asyncio.run(doctor.diagnose(show))
    print(doctor.to_json(findings) if args.json else doctor.render(findings))
    return doctor.exit_status(findings)


def check_notes(show: Show) -> list[str]:
    """What `check` advises besides errors: the show loads, but something will not work well."""
    notes = osc_clashes(show)
    if show.scope.pipeline not in ANY_SIZE:
        advice = size_advice(show.scope.width, show.scope.height)
        if advice:
            notes.append(advice)
    return notes


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("aioice", "aiortc", "httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def with_scope_url(show: Show, url: str) -> Show:
    """The show pointed at another Scope (``--scope-url``), checked like the file's URL
    before anything starts (a bad one is one sentence, never a retry loop)."""
    problem = url_problem(url)
    if problem:
        raise ConfigError("--scope-url", "", f"{shown_url(url)!r} {problem}")
    if show.targets:  # which of them would it mean? the file says where each one is
        names = ", ".join(t.name for t in show.targets)
        raise ConfigError(
            "--scope-url",
            "",
            f"the show drives several Scope servers ({names}): set each url in the file",
        )
    return replace(show, scope=replace(show.scope, url=url.rstrip("/")))


def _run(args: argparse.Namespace) -> int:
    from bridge.running.memory import tune_allocator
    from bridge.running.runtime import Runtime

    tune_allocator()  # before the show allocates anything: see bridge.running.memory
    show = load_show(args.show)
    if args.scope_url:
        show = with_scope_url(show, args.scope_url)
    if args.headless:
        from bridge.watch.headless import run_headless

        _logging(args.verbose)
        from bridge.watch.statusfile import status_path

        # the runtime directory is checked before anything opens a port
        status = Path(args.status_file) if args.status_file else status_path()
        runtime = Runtime(show)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_headless(runtime, status))
        return 0
    from bridge.console.serve.launch import run_console

    return run_console(show)


def _sim(args: argparse.Namespace) -> int:
    from bridge.sim.server import run_sim

    _logging(args.verbose)
    if not 1 <= args.port <= 65535:
        raise BridgeError(f"--port {args.port} is not a port number (1-65535)")
    try:
        run_sim(args.host, args.port, **from_args(args))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            from bridge.cli.porthold import taken

            why = taken(args.port, "tcp")
        else:
            why = exc.strerror or str(exc)
        raise BridgeError(f"the stand-in cannot listen on {args.host}:{args.port}: {why}") from exc
    return 0


def _status(args: argparse.Namespace) -> int:
    from bridge.watch.rundir import private_dir
    from bridge.watch.statusfile import STALE_S, choose, running

    if args.status_file:
        path = Path(args.status_file)
    else:
        directory = private_dir()
        if args.list:
            for bridge in running(directory):
                print(f"{bridge.pid}\t{bridge.show}\t{bridge.age_s:.1f} s ago")
            return 0
        path = choose(directory, args.pid).path
    try:
        age = time.time() - path.stat().st_mtime
        text = path.read_text(encoding="utf-8")
    except OSError:
        print(f"error: no running bridge (no status at {path})", file=sys.stderr)
        return 1
    if age > STALE_S:
        print(
            f"error: the status at {path} is {age:.0f} s old: is the bridge running?",
            file=sys.stderr,
        )
        return 1
    print(text)
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from bridge.cli.listen import monitor

    return monitor(load_show(args.show), args.seconds)


def _learn(args: argparse.Namespace) -> int:
    from bridge.cli.listen import learn

    return learn(load_show(args.show), args.target, args.timeout)


def _ports(args: argparse.Namespace) -> int:
    from bridge.inputs.midi_ports import list_ports

    ports = list_ports(args.api)
    print(f"MIDI API: {ports.api}")
    print("inputs:  " + (", ".join(ports.inputs) or "(none)"))
    print("outputs: " + (", ".join(ports.outputs) or "(none)"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scope-bridge", description="Live control for Daydream Scope."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser(
        "check",
        help="validate show and mapping files",
        description="Validate show files as `run` would (includes, devices, this machine's "
        "addresses) and list every mistake with its file, line and key.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="show or profile TOML files")
    check.set_defaults(func=_check)

    doc = sub.add_parser(
        "doctor",
        help="before the show: what this machine and show need, one line each",
        description="Check Python and packages, MIDI APIs and the show's controllers, audio "
        "inputs, frame outputs, OSC ports, the runtime directory and Scope (reachable, its "
        "version, the show's pipeline and size). Changes nothing; every probe is bounded. "
        "Exits 1 when something the show needs is missing.",
    )
    doc.add_argument("show", nargs="?", help="the show's TOML file (default: the machine only)")
    doc.add_argument("--json", action="store_true", help="the findings as JSON, for scripts")
    doc.add_argument(
        "--scope-url",
        metavar="URL",
        help="check this Scope instead (default: the show's [scope] url)",
    )
    doc.set_defaults(func=_doctor)

    run = sub.add_parser("run", help="run a show (the console, or --headless)")
    run.add_argument("show", help="the show's TOML file")
    run.add_argument("--headless", action="store_true", help="no console: log lines only")
    run.add_argument(
        "--status-file",
        metavar="PATH",
        help="where headless mode writes its status JSON, twice a second (default: "
        "status-<pid>.json in scope-bridge-$UID in $XDG_RUNTIME_DIR or the temp dir)",
    )
    run.add_argument(
        "--scope-url",
        metavar="URL",
        help="use this Scope instead of the show's [scope] url "
        "(default: the show's, else http://127.0.0.1:8000)",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="debug log lines")
    run.set_defaults(func=_run)

    sim = sub.add_parser("sim", help="run the built-in Scope stand-in")
    add_sim_options(sim)
    sim.add_argument("-v", "--verbose", action="store_true", help="debug log lines")
    sim.set_defaults(func=_sim)

    mon = sub.add_parser("monitor", help="print what a show's MIDI and OSC devices send")
    mon.add_argument("show", help="the show's TOML file (its devices are opened)")
    mon.add_argument(
        "--seconds",
        type=float,
        metavar="S",
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    mon.set_defaults(func=_monitor)

    lrn = sub.add_parser("learn", help="bind the next control moved to a target, in the file")
    lrn.add_argument("show", help="the show's TOML file (the mapping is written into it)")
    lrn.add_argument("target", help="e.g. prompt.forest.weight, scene.next, paused")
    lrn.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="give up after this many seconds with nothing moved (default: %(default)s)",
    )
    lrn.set_defaults(func=_learn)

    ports = sub.add_parser("ports", help="list MIDI ports")
    ports.add_argument(
        "--api",
        metavar="API",
        help="UNIX_JACK, LINUX_ALSA, MACOSX_CORE or WINDOWS_MM "
        "(default: $MIDO_BACKEND's, else the platform's own)",
    )
    ports.set_defaults(func=_ports)

    status = sub.add_parser("status", help="print a running bridge's snapshot as JSON")
    status.add_argument(
        "--pid",
        type=int,
        help="the bridge to ask, by its process id, when several run "
        "(default: the one running; `--list` shows them)",
    )
    status.add_argument("--list", action="store_true", help="list the running bridges")
    status.add_argument(
        "--status-file",
        metavar="PATH",
        help="read this file (what `run --headless --status-file PATH` writes) (default: "
        "the running bridge's status-<pid>.json in scope-bridge-$UID in $XDG_RUNTIME_DIR "
        "or the temp dir)",
    )
    status.set_defaults(func=_status)
    return parser


def _one_sentence(exc: BaseException) -> str | None:
    """What to print for an expected failure (ours, or the system's), None for a bug."""
    if isinstance(exc, BaseExceptionGroup):
        parts = [_one_sentence(inner) for inner in exc.exceptions]
        return None if None in parts else "; ".join(p for p in parts if p)
    if isinstance(exc, BridgeError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return None


def _closed_pipe() -> int:
    """The reader went away (``status | head``): stop quietly, as `cat` does."""
    with contextlib.suppress(OSError):  # and keep the interpreter from flushing into it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141  # what a shell reports for a command ended by SIGPIPE


def _bug(exc: BaseException) -> int:
    """An unexpected error: one sentence here, the traceback in a file for the report."""
    text = "".join(traceback.format_exception(exc))
    try:
        from bridge.watch.rundir import private_dir, write_atomic

        path = private_dir() / f"crash-{os.getpid()}.txt"
        write_atomic(path, text)
    except Exception:
        print(text, file=sys.stderr)  # nowhere else to keep it
        return 1
    print(
        f"error: scope-bridge failed unexpectedly ({type(exc).__name__}: {exc}); "
        f"the details are in {path}",
        file=sys.stderr,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
        sys.stdout.flush()  # a closed pipe is noticed here, not in the interpreter's exit
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _closed_pipe()
    except BaseException as exc:
        if isinstance(exc, SystemExit | asyncio.CancelledError):
            raise
        sentence = _one_sentence(exc)
        if sentence is None:
            return _bug(exc)
        print(f"error: {sentence}", file=sys.stderr)
        return 1
    return result
