"""PortAudio's lifetime in this process, and finding an input device by name.

sounddevice is imported lazily (loading it loads libportaudio), taken again after it was
released, and released before a JACK server this process used goes away.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from bridge.errors import DeviceError


def portaudio() -> ModuleType:
    """The sounddevice module with PortAudio initialised (taken again after
    `release_portaudio`); a DeviceError says what is missing."""
    try:
        import sounddevice  # lazily: loading it loads libportaudio
    except OSError as exc:
        raise DeviceError(
            "audio input needs the PortAudio library (install libportaudio2)"
        ) from exc
    except ImportError as exc:
        raise DeviceError("audio input needs the sounddevice package") from exc
    if not sounddevice._initialized:  # released by release_portaudio(); take it again
        sounddevice._initialize()
    module: ModuleType = sounddevice
    return module


def release_portaudio() -> None:
    """Let go of PortAudio (and so of its JACK client) until audio input is used again.

    Call before stopping a JACK server this process used: PortAudio closing its client after
    the server is gone aborts the interpreter (an assertion in its JACK host API).
    """
    sounddevice = sys.modules.get("sounddevice")
    if sounddevice is not None:
        while sounddevice._initialized:
            sounddevice._terminate()


def find_input_device(
    sd: Any, name: str | None, hostapi: str | None = None, *, rescan: bool = False
) -> int | None:
    """Index of the first input device whose name (and host API) contains the given text.

    None and no host API means PortAudio's default input. Matching ignores case. If nothing
    matches, PortAudio is re-scanned once (a JACK server may have started since); ``rescan``
    re-scans first (after a device was lost PortAudio's list may still show it). Re-scanning
    ends every PortAudio stream of this process.
    """
    if name is None and hostapi is None:
        return None
    if rescan:
        sd._terminate()
        sd._initialize()
    for attempt in range(2):
        apis = [a["name"] for a in sd.query_hostapis()]
        inputs = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
        for device in inputs:
            if name is not None and name.lower() not in device["name"].lower():
                continue
            if hostapi is not None and hostapi.lower() not in apis[device["hostapi"]].lower():
                continue
            return int(device["index"])
        if attempt == 0:
            sd._terminate()  # documented way to make PortAudio re-scan its devices
            sd._initialize()
    listed = ", ".join(f"{d['name']!r}" for d in inputs) or "none"
    wanted = " on ".join(repr(x) for x in (name, hostapi) if x is not None)
    raise DeviceError(f"no audio input matches {wanted} (inputs: {listed})")
