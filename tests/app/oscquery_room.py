"""The two processes of the zeroconf test, each run inside its private network namespace.

``python -m tests.app.oscquery_room serve DIR`` runs a show against the stand-in with
``oscquery_advertise = true``, prints ``ready`` once its announcement is made, and runs
until stdin closes. ``python -m tests.app.oscquery_room browse`` is a separate browser: it
finds both services with zeroconf's `ServiceBrowser`, resolves them, reads HOST_INFO over
HTTP from the address the announcement gave, and prints one JSON line of what it found.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

SHOW = """
schema = 1
start_scene = "one"
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "first"
[[scenes]]
name = "one"
weights = {{ a = 1.0 }}
[devices.osc.room]
port = 9100
surface = true
oscquery = 9101
oscquery_advertise = true
"""

JSON_TYPE = "_oscjson._tcp.local."
OSC_TYPE = "_osc._udp.local."


async def serve(folder: Path) -> None:
    from bridge.config.load import load_show
    from bridge.running.runtime import Runtime
    from tests.sim.simkit import FAST, running_sim, wait_for

    async with running_sim(**FAST) as (_sim, url):
        (folder / "show.toml").write_text(SHOW.format(url=url))
        runtime = Runtime(load_show(folder / "show.toml"))
        task = asyncio.create_task(runtime.run())
        try:
            served = runtime.oscquery.served
            await wait_for(lambda: "room" in served and bool(served["room"].advert), 20.0, "advert")
            print("ready", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def browse(timeout_s: float = 20.0) -> dict[str, Any]:
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    found: dict[str, str] = {}
    seen = threading.Event()

    class Listener(ServiceListener):
        def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            found[type_] = name
            if len(found) == 2:
                seen.set()

        def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            pass

        def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            pass

    zc = Zeroconf(interfaces=["127.0.0.1"])
    try:
        start = time.monotonic()
        browser = ServiceBrowser(zc, [JSON_TYPE, OSC_TYPE], Listener())
        seen.wait(timeout_s)
        out: dict[str, Any] = {"names": found, "found_s": round(time.monotonic() - start, 2)}
        for type_, name in found.items():
            info = zc.get_service_info(type_, name, timeout=5000)
            if info is None:
                continue
            address = info.parsed_addresses()[0]
            out[type_] = {"address": address, "port": info.port}
            if type_ == JSON_TYPE:
                url = f"http://{address}:{info.port}/?HOST_INFO"
                with urllib.request.urlopen(url, timeout=5) as response:
                    out["host_info"] = json.loads(response.read())
        browser.cancel()
        return out
    finally:
        zc.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        asyncio.run(serve(Path(sys.argv[2])))
    else:
        print(json.dumps(browse()), flush=True)
