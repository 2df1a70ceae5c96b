"""A browser in another process discovers a running show's OSCQuery announcement over
zeroconf, then reads HOST_INFO from where the announcement points. Both run inside a network
namespace with only loopback (multicast routed to it), so nothing is announced beyond this
test; a machine where the namespace cannot be made fails the test, saying why."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scripts.harness.link_room import link_room
from tests.app.oscquery_room import JSON_TYPE, OSC_TYPE


def test_a_browser_in_another_process_finds_the_namespace(tmp_path: Path) -> None:
    with link_room("sb-oscq") as room:
        server = room.popen(
            [sys.executable, "-m", "tests.app.oscquery_room", "serve", str(tmp_path)]
        )
        assert server.stdout is not None
        line = server.stdout.readline().strip()
        assert line == "ready", f"the show in the namespace did not start: {line!r}"
        browser = room.popen([sys.executable, "-m", "tests.app.oscquery_room", "browse"])
        assert browser.stdout is not None
        found = json.loads(browser.stdout.readline())
    assert found["names"] == {
        JSON_TYPE: f"Scope Bridge room.{JSON_TYPE}",
        OSC_TYPE: f"Scope Bridge room.{OSC_TYPE}",
    }, found
    assert found[JSON_TYPE] == {"address": "127.0.0.1", "port": 9101}
    assert found[OSC_TYPE] == {"address": "127.0.0.1", "port": 9100}
    info = found["host_info"]
    assert (info["NAME"], info["OSC_PORT"], info["OSC_TRANSPORT"]) == (
        "Scope Bridge room",
        9100,
        "UDP",
    )
