"""One exception tree for everything the bridge reports to a person.

    BridgeError                 a sentence a performer can act on; never a traceback
    ├── ConfigError             a show or mapping file is wrong (file, line, key path)
    │   └── ConfigErrors        several independent mistakes, found in one reading
    ├── ScopeError              talking to Scope failed
    │   ├── ScopeUnreachable    refused, DNS, TLS, timeout
    │   └── ScopeRejected       4xx/5xx with the server's reason
    ├── DeviceError             a MIDI/OSC/audio device or API is missing or failed
    │   └── StartTimeout        an audio stream opened but never started (inputs/audio.py)
    ├── SinkError               a frame sink's library or runtime is missing or failed
    ├── MessageError            a message from another program that the bridge does not read
    │   ├── PacketError         a datagram that is not OSC (inputs/osc_parse.py)
    │   └── BadMessage          a console message of the wrong shape (console/wire/codec.py)
    ├── PeerGone                the other process of the console's connection went away
    │   ├── WireClosed          ... seen while reading its framing (console/wire/frames.py)
    │   └── BridgeGone          ... seen by the console: bridge stopped (console/app/remote.py)
    ├── TooSlow                 a doctor probe found no answer in time (cli/doctor/findings.py)
    ├── BridgeStopped           the headless bridge stopped by itself (watch/headless.py)
    └── RuntimeDirError         the runtime directory is not safe to use (watch/rundir.py)

The leaves named with a file live there, beside the one place that raises them. Lower-layer
errors are translated at the boundary with ``raise X from exc``.
"""

from __future__ import annotations

from collections.abc import Sequence


class BridgeError(Exception):
    """An error with a message meant for the person running the show."""


class ConfigError(BridgeError):
    """A show or mapping file is invalid."""

    def __init__(self, file: str, key: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.key = key
        self.line = line
        self.detail = message
        where = f"{file}:{line}" if line is not None else file
        at = f" at {key}" if key else ""
        super().__init__(f"{where}{at}: {message}")


class ConfigErrors(ConfigError):
    """Every mistake one reading of a show found; it reads as the first where one line is
    shown (a reload's Problems line), and `scope-bridge check` prints them all."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        flat = [e for error in errors for e in getattr(error, "errors", (error,))]
        if not flat:
            raise ValueError("ConfigErrors needs at least one error")
        self.errors: tuple[ConfigError, ...] = tuple(flat)
        first = self.errors[0]
        super().__init__(first.file, first.key, first.detail, first.line)
        if len(self.errors) > 1:
            more = len(self.errors) - 1
            self.args = (f"{self.args[0]} (and {more} more: `scope-bridge check` lists all)",)


class ScopeError(BridgeError):
    """Talking to Scope failed."""


class ScopeUnreachable(ScopeError):
    """Scope could not be reached (refused, DNS, TLS, timeout)."""


class ScopeRejected(ScopeError):
    """Scope answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        self.status = status
        super().__init__(message)


class DeviceError(BridgeError):
    """A MIDI, OSC or audio device (or the API or socket behind it) is missing or failed."""


class SinkError(BridgeError):
    """A frame sink's library or runtime is missing, or it failed."""


class MessageError(BridgeError):
    """A message from another program (an OSC datagram, a console request or reply) that the
    bridge does not read: the reader counts it or answers it, and goes on."""


class PeerGone(BridgeError):
    """The process at the other end of the console's connection went away (or broke the
    framing): the conversation is over, the process on this side is not."""
