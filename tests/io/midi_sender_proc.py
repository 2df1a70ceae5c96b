"""A separate MIDI client for tests: owns a JACK virtual output port and sends what it is told.

Run as ``python midi_sender_proc.py CLIENT PORT [TARGET]``: with TARGET it connects to that
existing input port instead of creating PORT. Reads commands on stdin, one per line:
``msg b0 30 64`` sends those bytes; ``clock BPM TICKS`` sends Start, then TICKS clock ticks
paced on a deadline at BPM; ``quit`` exits. Prints ``ready`` once the port exists and ``ok``
after each command.
"""

from __future__ import annotations

import signal
import sys
import time

import mido


def main() -> None:
    client, port_name = sys.argv[1], sys.argv[2]
    # SIGTERM closes the JACK client cleanly: a client that just vanishes makes a
    # synchronous (-S) server wait for it and stalls every other client meanwhile.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
    if len(sys.argv) > 3:
        port = backend.open_output(sys.argv[3])
    else:
        port = backend.open_output(port_name, client_name=client)
    try:
        serve(port)
    finally:
        port.close()


def serve(port: mido.ports.BaseOutput) -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] == "msg":
            port.send(mido.Message.from_bytes([int(w, 16) for w in words[1:]]))
        elif words[0] == "clock":
            bpm, ticks = float(words[1]), int(words[2])
            period = 60.0 / (bpm * 24)
            port.send(mido.Message("start"))
            start = time.perf_counter()
            for n in range(ticks):
                delay = start + n * period - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                port.send(mido.Message("clock"))
        print("ok", flush=True)


if __name__ == "__main__":
    main()
