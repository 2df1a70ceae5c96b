"""A TCP relay that holds every chunk for a one-way delay with jitter: distance, without netem.

``tc qdisc ... netem`` is the usual way to make a veth link long, but this machine's kernel
has no netem ("Specified qdisc kind is unknown"). TCP is all that crosses the link in the
TURN lab (the firewall drops UDP), so delaying the byte stream in both directions gives the
same round trip: each chunk is released ``delay ± jitter`` after it arrived, never before the
chunk ahead of it (a stream cannot reorder, as TCP over a jittery link does not either).
Packet loss stays the kernel's (an nft rule); the retransmissions are real TCP's.

``python -m scripts.harness.delayproxy LISTEN_HOST:PORT TO_HOST:PORT DELAY_MS JITTER_MS``;
on SIGTERM it prints one JSON line with the bytes it carried each way and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import sys
import time

totals = {"up_bytes": 0, "down_bytes": 0, "connections": 0}


async def pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    delay_s: float,
    jitter_s: float,
    key: str,
) -> None:
    held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def release() -> None:
        while True:
            at, data = await held.get()
            if not data:
                break
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            writer.write(data)
            await writer.drain()
            totals[key] += len(data)
        writer.close()

    sender = asyncio.create_task(release())
    last = 0.0
    try:
        while data := await reader.read(65536):
            last = max(time.monotonic() + delay_s + random.uniform(-jitter_s, jitter_s), last)
            held.put_nowait((last, data))
    except ConnectionError:
        pass
    held.put_nowait((last, b""))
    with contextlib.suppress(ConnectionError):
        await sender


async def main(listen: str, to: str, delay_ms: float, jitter_ms: float) -> None:
    host, port = listen.rsplit(":", 1)
    to_host, to_port = to.rsplit(":", 1)
    delay_s, jitter_s = delay_ms / 1000, jitter_ms / 1000

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        totals["connections"] += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(to_host, int(to_port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            pump(reader, up_writer, delay_s, jitter_s, "up_bytes"),
            pump(up_reader, writer, delay_s, jitter_s, "down_bytes"),
            return_exceptions=True,
        )

    server = await asyncio.start_server(serve, host, int(port))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(json.dumps({"listening": listen}), flush=True)
    async with server:
        await stop.wait()
    print(json.dumps(totals), flush=True)


if __name__ == "__main__":
    listen_at, forward_to, delay, jitter = sys.argv[1:5]
    asyncio.run(main(listen_at, forward_to, float(delay), float(jitter)))
