"""A separate process that sends OSC to 127.0.0.1 at a paced rate (for the benchmarks).

``python -m scripts.benchmarks.osc_sender PORT RATE SECONDS [--stamp]`` sends float messages
round-robin to /fader0../fader7, paced per millisecond on a deadline; with --stamp each
message carries its send time (time.monotonic, comparable across processes here) as a
second argument. Prints the number sent and the seconds it took (a sender that cannot keep
up with RATE takes longer, and the benchmark must know).
"""

from __future__ import annotations

import socket
import sys
import time

from pythonosc.osc_message_builder import OscMessageBuilder


def build(address: str, value: float, stamp: float | None) -> bytes:
    b = OscMessageBuilder(address)
    b.add_arg(value, "f")
    if stamp is not None:
        b.add_arg(stamp, "d")
    return bytes(b.build().dgram)


def main() -> int:
    port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    stamp = "--stamp" in sys.argv
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    packets = [build(f"/fader{i % 8}", (i % 100) / 100.0, None) for i in range(800)]
    start = time.monotonic()
    sent = 0
    total = int(rate * seconds)
    while sent < total:
        due = min(total, int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            if stamp:
                data = build(f"/fader{sent % 8}", (sent % 100) / 100.0, time.monotonic())
            else:
                data = packets[sent % 800]
            sock.sendto(data, ("127.0.0.1", port))
            sent += 1
        time.sleep(0.001)
    print(sent, time.monotonic() - start, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
