"""A separate JACK MIDI client for the benchmark: sends CC 1 at 50 Hz, printing send times.

``python -m scripts.benchmarks.midi_sender CLIENT COUNT``: prints ``ready``, waits for a line
on stdin, then sends COUNT control changes (values 0..127 cycling) and prints each one's
time.monotonic() send time, then ``done``.
"""

from __future__ import annotations

import sys
import time

import mido


def main() -> int:
    client, count = sys.argv[1], int(sys.argv[2])
    port = mido.Backend("mido.backends.rtmidi/UNIX_JACK").open_output("out", client_name=client)
    try:
        print("ready", flush=True)
        sys.stdin.readline()
        start = time.monotonic()
        for n in range(count):
            time.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
            t = time.monotonic()
            port.send(mido.Message("control_change", channel=0, control=1, value=n % 128))
            print(f"{t:.9f}", flush=True)
        time.sleep(0.2)
        print("done", flush=True)
    finally:
        port.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
