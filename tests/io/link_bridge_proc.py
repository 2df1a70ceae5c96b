"""The bridge, whole, as a process in a Link room: ``python link_bridge_proc.py SHOW``.

Runs the show's `Runtime` (its Scope is not there; the link retries quietly) and prints,
as JSON lines, every tempo event the engine heard (``t``, ``bpm``, ``beat_phase``,
``source``, ``beat``; ``at`` when it heard it) and the Link view every 0.2 s (``peers``,
``leader``). Reads commands on stdin: ``tap PORT`` sends ``/tap 1`` then ``/tap 0`` over
OSC to the show's own OSC input on PORT (a mapping there presses tempo.tap), ``quit`` ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import asdict

from pythonosc.udp_client import SimpleUDPClient

from bridge.config.load import load_show
from bridge.core.events import Event
from bridge.running.runtime import Runtime


async def main(path: str) -> None:
    runtime = Runtime(load_show(path))
    last: list[object] = [None]

    def heard(event: Event) -> None:
        tempo = runtime.bridge.tempo
        if tempo is not None and tempo is not last[0]:
            last[0] = tempo
            print(json.dumps({"heard": asdict(tempo), "at": time.monotonic()}), flush=True)

    runtime.bridge.on_event.append(heard)

    async def views() -> None:
        while True:
            link = runtime.tempo.link
            view = {
                "peers": link.view.peers if link else None,
                "link_bpm": link.view.bpm if link else None,
                **runtime.tempo.view(),
            }
            print(json.dumps({"view": view}), flush=True)
            await asyncio.sleep(0.2)

    async def commands() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            if line.startswith("tap "):
                client = SimpleUDPClient("127.0.0.1", int(line.split()[1]))
                client.send_message("/tap", 1.0)
                client.send_message("/tap", 0.0)
            elif line == "quit":
                return

    run = asyncio.get_running_loop().create_task(runtime.run())
    shown = asyncio.get_running_loop().create_task(views())
    try:
        await commands()
    finally:
        for task in (run, shown):
            task.cancel()
        for task in (run, shown):
            with contextlib.suppress(asyncio.CancelledError):
                await task


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
