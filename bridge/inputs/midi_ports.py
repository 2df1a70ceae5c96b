"""MIDI ports: choosing the API, listing and opening ports, matching them by pattern.

JACK needs care (see PolledJackInput and jack_midi_port_names): Python never runs in
JACK's process callback, and port listings go through a fresh libjack client each time.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fnmatch
import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bridge.errors import DeviceError

log = logging.getLogger(__name__)

RTMIDI_BACKEND = "mido.backends.rtmidi"
API_ALIASES = {
    "alsa": "LINUX_ALSA",
    "jack": "UNIX_JACK",
    "coremidi": "MACOSX_CORE",
    "core": "MACOSX_CORE",
    "winmm": "WINDOWS_MM",
    "windows": "WINDOWS_MM",
}
API_LABELS = {
    "LINUX_ALSA": "ALSA",
    "UNIX_JACK": "JACK",
    "MACOSX_CORE": "CoreMIDI",
    "WINDOWS_MM": "WinMM",
}


# Opening and closing MIDI clients (and so JACK clients) one at a time in this process:
# libjack's process-wide setup and teardown raced when a port listing closed its client
# while another thread opened a port, leaving a client that stalled the whole JACK graph.
CLIENT_LOCK = threading.Lock()


class MidiApi:
    """One MIDI API (ALSA, JACK, CoreMIDI, WinMM) through a mido backend.

    ``api`` is an alias ("jack"), an rtmidi name ("UNIX_JACK") or a full mido backend string
    ("mido.backends.rtmidi/UNIX_JACK"); None reads ``MIDO_BACKEND`` and otherwise lets
    rtmidi pick its default. Virtual ports belong to a client named ``client_name`` (on JACK
    they appear as "Scope Bridge:<port>"). Every method may block: call them off the event
    loop. Failures become ``DeviceError`` with one sentence.
    """

    def __init__(self, api: str | None = None, *, client_name: str = "Scope Bridge") -> None:
        self.client_name = client_name
        spec = api if api is not None else os.environ.get("MIDO_BACKEND", "")
        backend, _, name = spec.rpartition("/") if "/" in spec else ("", "", spec)
        if not backend and name.startswith("mido.backends"):
            backend, name = name, ""
        self.backend_name = backend or RTMIDI_BACKEND
        self.api: str | None = API_ALIASES.get(name.lower(), name) or None
        self._backend: Any = None

    @property
    def label(self) -> str:
        """A short name for messages: "JACK", "ALSA", or "default"."""
        return API_LABELS.get(self.api or "", self.api or "default")

    def _mido(self) -> Any:
        if self._backend is None:
            try:
                import mido

                quiet_native_errors()
                self._backend = mido.Backend(self.backend_name, api=self.api, load=True)
            except ImportError as exc:
                raise DeviceError(
                    f"MIDI is unavailable: {exc.name or 'mido'} is not installed "
                    "(pip install mido python-rtmidi)."
                ) from exc
        return self._backend

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            with CLIENT_LOCK:
                return fn()
        except DeviceError:
            raise
        except Exception as exc:  # rtmidi raises SystemError/RuntimeError, mido OSError/ValueError
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DeviceError(f"MIDI API {self.label}: cannot {what}: {reason}") from exc

    def _names(self, direction: Literal["input", "output"]) -> list[str]:
        if self.api == "UNIX_JACK" and self.backend_name == RTMIDI_BACKEND:
            names = jack_midi_port_names(direction, f"{self.client_name} ports")
            if names is not None:
                return names
        backend = self._mido()
        return list(
            backend.get_input_names() if direction == "input" else backend.get_output_names()
        )

    def input_names(self) -> list[str]:
        """Ports we can receive from."""
        return list(self._call("list input ports", lambda: self._names("input")))

    def send_bytes(self, port: Any, data: Sequence[int]) -> None:
        """Send one raw MIDI message on an open output port (does not block on JACK)."""
        import mido

        port.send(mido.Message.from_bytes(list(data)))

    def output_names(self) -> list[str]:
        """Ports we can send to."""
        return list(self._call("list output ports", lambda: self._names("output")))

    def open_input(self, name: str, callback: Callable[[Any], None], *, virtual: bool) -> Any:
        """Open (or, when ``virtual``, create) an input port delivering to ``callback``.

        ``callback`` gets ``mido.Message`` objects on a backend thread. On JACK that thread
        is ours, not JACK's: see ``PolledJackInput``.
        """
        if self.api == "UNIX_JACK" and self.backend_name == RTMIDI_BACKEND:
            return self._call(
                f"open input {name!r}",
                lambda: PolledJackInput(name, callback, virtual=virtual, client=self.client_name),
            )
        # mido treats a client name as "virtual": pass it only for ports we create.
        extra = {"client_name": self.client_name} if virtual else {}
        return self._call(
            f"open input {name!r}",
            lambda: self._mido().open_input(name, virtual=virtual, callback=callback, **extra),
        )

    def open_output(self, name: str, *, virtual: bool) -> Any:
        """Open (or, when ``virtual``, create) an output port."""
        extra = {"client_name": self.client_name} if virtual else {}
        return self._call(
            f"open output {name!r}",
            lambda: self._mido().open_output(name, virtual=virtual, **extra),
        )


class PolledJackInput:
    """A JACK MIDI input read by a thread of ours instead of a callback in JACK's thread.

    rtmidi would run a Python callback inside JACK's real-time thread. That thread then
    needs the GIL, and a synchronous JACK server waits for it every period: while MIDI flowed,
    a graph change (a DAW connecting to our port) wedged the server for seconds. Here rtmidi
    queues in C++ and we poll the queue every millisecond (the added latency), off the graph.
    """

    POLL = 0.001

    def __init__(
        self, name: str, callback: Callable[[Any], None], *, virtual: bool, client: str
    ) -> None:
        import mido
        import rtmidi

        self._message = mido.Message.from_bytes
        self._callback = callback
        self._rt = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name=client if virtual else None)
        try:
            if virtual:
                self._rt.open_virtual_port(name)
            else:
                ports = self._rt.get_ports()
                if name not in ports:
                    raise OSError(f"unknown port {name!r}")
                self._rt.open_port(ports.index(name))
            self._rt.ignore_types(sysex=False, timing=False, active_sense=True)
        except BaseException:
            self._rt.delete()
            raise
        self.name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name=f"midi-in {name}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        get, stop = self._rt.get_message, self._stop
        while not stop.is_set():
            item = get()
            if item is None:
                time.sleep(self.POLL)
                continue
            try:
                message = self._message(item[0])
            except ValueError:  # a malformed message from the device is dropped, like mido
                continue
            self._callback(message)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._rt.close_port()
        self._rt.delete()


JACK_MIDI_TYPE = b"8 bit raw midi"
JACK_NO_START_SERVER = 0x01
JACK_PORT_IS_INPUT, JACK_PORT_IS_OUTPUT = 0x1, 0x2


def _loaded_libjack() -> str | None:
    """The libjack python-rtmidi loaded (its wheel bundles a private copy)."""
    import rtmidi  # noqa: F401 - loads its libjack, which we then find in our own mappings

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1]
        if "/libjack" in path and ".so" in path:
            return path
    return None


def _loaded_libraries(stem: str) -> list[str]:
    """Paths of shared libraries named ``stem`` mapped into this process."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    paths = {line.split(maxsplit=5)[-1] for line in maps.splitlines() if f"/{stem}" in line}
    return sorted(p for p in paths if ".so" in p)


# C callbacks must outlive every call that may use them: module-level references.
_ALSA_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)(lambda *_: None)
_JACK_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p)(
    lambda text: log.debug("libjack: %s", (text or b"").decode(errors="replace").strip())
)


@functools.cache
def quiet_native_errors() -> None:
    """Keep libasound and libjack from printing on the terminal the console draws on.

    Without /dev/snd/seq every ALSA probe prints "ALSA lib ... failed", and libjack prints
    "Cannot connect to server" on every poll while JACK is down: the bridge reports both in
    one line of its own instead.
    """
    import rtmidi  # noqa: F401 - loads the native libraries whose handlers we set

    for path in _loaded_libraries("libasound"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(path).snd_lib_error_set_handler(_ALSA_HANDLER)
    jack = _libjack()
    if jack is not None:
        with contextlib.suppress(AttributeError):
            jack.jack_set_error_function(_JACK_HANDLER)
            jack.jack_set_info_function(_JACK_HANDLER)


@functools.cache
def _libjack() -> Any:
    # Two libjack copies in one process (the wheel's and the system's) keep separate client
    # tables over the same server and wedged it: use rtmidi's copy when there is one.
    try:
        lib = ctypes.CDLL(_loaded_libjack() or ctypes.util.find_library("jack") or "libjack.so.0")
    except OSError:
        return None
    lib.jack_client_open.restype = ctypes.c_void_p
    lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
    lib.jack_get_ports.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
    ]
    lib.jack_client_close.argtypes = [ctypes.c_void_p]
    lib.jack_free.argtypes = [ctypes.c_void_p]
    return lib


def jack_midi_port_names(direction: Literal["input", "output"], client: str) -> list[str] | None:
    """JACK MIDI ports we can receive from ("input") or send to, through libjack directly.

    Why not rtmidi: python-rtmidi keeps the GIL while a JACK client opens and closes; a
    synchronous JACK server meanwhile waits for our port callback, which waits for the GIL,
    and everything stalls for seconds. ctypes releases the GIL. A fresh client per call,
    because a long-lived client's view of the graph can lag behind. None when libjack is
    not installed; OSError when no server answers.
    """
    lib = _libjack()
    if lib is None:
        return None
    status = ctypes.c_int(0)
    handle = lib.jack_client_open(
        client.encode(), ctypes.c_int(JACK_NO_START_SERVER), ctypes.byref(status)
    )
    if not handle:
        raise OSError(f"JACK server not running? (status {status.value:#x})")
    try:
        flags = JACK_PORT_IS_OUTPUT if direction == "input" else JACK_PORT_IS_INPUT
        ports = lib.jack_get_ports(handle, None, JACK_MIDI_TYPE, flags)
        names: list[str] = []
        if ports:
            i = 0
            while ports[i] is not None:
                names.append(ports[i].decode(errors="replace"))
                i += 1
            lib.jack_free(ctypes.cast(ports, ctypes.c_void_p))
        return names
    finally:
        lib.jack_client_close(handle)


@dataclass(frozen=True, slots=True)
class PortPattern:
    """How a device finds its port: ``exact:NAME``, ``glob:PAT``, ``re:REGEX`` (searched), or
    a bare string (a glob when it holds ``*?[``, otherwise the exact name)."""

    text: str
    kind: Literal["exact", "glob", "regex"]

    @classmethod
    def parse(cls, text: str) -> PortPattern:
        for prefix, kind in (("exact:", "exact"), ("glob:", "glob"), ("re:", "regex")):
            if text.startswith(prefix):
                pattern = cls(text[len(prefix) :], kind)  # type: ignore[arg-type]
                break
        else:
            pattern = cls(text, "glob" if any(c in text for c in "*?[") else "exact")
        if pattern.kind == "regex":
            try:
                re.compile(pattern.text)
            except re.error as exc:
                raise DeviceError(
                    f"MIDI port pattern {text!r} is not a valid regex: {exc}"
                ) from exc
        return pattern

    def matches(self, name: str) -> bool:
        if self.kind == "exact":
            return name == self.text
        if self.kind == "glob":
            return fnmatch.fnmatchcase(name, self.text)
        return re.search(self.text, name) is not None

    def first_match(self, names: Sequence[str]) -> str | None:
        return next((n for n in names if self.matches(n)), None)


def close_ports(ports: Sequence[Any]) -> None:
    """Close mido ports (blocking: call off the loop); failures are only logged."""
    for port in ports:
        try:
            with CLIENT_LOCK:
                port.close()
        except Exception as exc:  # a port whose client already died cannot fail the shutdown
            log.debug("closing MIDI port failed: %s", exc)


@dataclass(frozen=True, slots=True)
class MidiPorts:
    """What the ``ports`` command prints."""

    api: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def list_ports(api: MidiApi | str | None = None) -> MidiPorts:
    """List input and output ports (blocking; raises DeviceError when the API fails)."""
    midi = api if isinstance(api, MidiApi) else MidiApi(api)
    return MidiPorts(midi.label, tuple(midi.input_names()), tuple(midi.output_names()))
