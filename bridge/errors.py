"""One exception tree for everything the bridge reports to a person.

    BridgeError                 a sentence a performer can act on; never a traceback
    ├── ConfigError             a show or mapping file is wrong (file, line, key path)
    ├── ScopeError              talking to Scope failed
    │   ├── ScopeUnreachable    refused, DNS, TLS, timeout
    │   └── ScopeRejected       4xx/5xx with the server's reason
    ├── DeviceError             a MIDI/audio device or API is missing or failed
    └── SinkError               a frame sink's library or runtime is missing or failed

Lower-layer errors are translated at the boundary with ``raise X from exc``.
"""

from __future__ import annotations


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
    """A MIDI or audio device (or the API behind it) is missing or failed."""


class SinkError(BridgeError):
    """A frame sink's library or runtime is missing, or it failed."""
