"""Ableton Link with real peers: the bridge (a whole runtime in its own process) and aalink
peers in other processes, all inside a loopback-only network namespace of this test's own.

A show with ``[tempo] link = true`` follows the session's tempo and beat when another peer
changes it; with ``link_set = true`` its taps (an OSC mapping to tempo.tap) set everyone's.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.core.tempo_lead import wrap
from scripts.harness.link_room import LinkRoom, link_room, room_missing

HERE = Path(__file__).parent
SHOW = """
[[prompts]]
id = "a"
text = "a field"
[scope]
url = "http://127.0.0.1:9"
[tempo]
link = true
link_set = {link_set}
[devices.osc.ctl]
port = {port}
[[mappings]]
source = {{ osc = "ctl", address = "/tap" }}
target = "tempo.tap"
"""
OSC_PORT = 9123


class Lines:
    """A process's JSON lines, read on a thread, kept in order."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.items: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        threading.Thread(target=self._read, args=(stdout,), daemon=True).start()

    def _read(self, stdout: Any) -> None:
        for line in stdout:
            if line.startswith("{"):
                self._queue.put(json.loads(line))

    def until(
        self, test: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            self.items.append(item)
            if test(item):
                return item
        raise AssertionError(f"no {what} within {timeout:g} s; last: {self.items[-3:]}")


def bridge_in(
    room: LinkRoom, tmp_path: Path, link_set: bool
) -> tuple[subprocess.Popen[str], Lines]:
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(link_set=str(link_set).lower(), port=OSC_PORT))
    proc = room.popen([sys.executable, str(HERE / "link_bridge_proc.py"), str(show)])
    return proc, Lines(proc)


def send(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def after(t: float) -> Callable[[dict[str, Any]], bool]:
    return lambda item: bool(item["t"] >= t)


def settled(lines: Lines, peer_lines: Lines) -> float:
    """The session's tempo once the bridge hears what the peer says. Two sessions that meet
    keep one tempo, either peer's (Link decides, not the order they started in)."""
    for _ in range(10):
        heard = lines.until(
            lambda i: "heard" in i and i["heard"]["source"] == "link", 5.0, "Link heard"
        )["heard"]
        said = peer_lines.until(after(float(heard["t"])), 2.0, "the peer's report")
        if abs(heard["bpm"] - said["bpm"]) < 0.01:  # Link carries it as microseconds a beat
            return round(float(said["bpm"]), 2)
    raise AssertionError(f"the bridge hears {heard['bpm']}, the peer says {said['bpm']}")


def phase_error_ms(heard: dict[str, Any], peer: list[dict[str, Any]]) -> float:
    """The bridge's beat against the peer's at the same moment (same monotonic clock)."""
    near = min(peer, key=lambda p: abs(p["t"] - heard["t"]))
    peer_beat = near["beat"] + (heard["t"] - near["t"]) * near["bpm"] / 60.0
    return abs(wrap(heard["beat_phase"] - peer_beat)) * 60_000.0 / float(near["bpm"])


@pytest.fixture
def room() -> Any:
    reason = room_missing()
    assert reason is None, f"the Link tests need a private network namespace: {reason}"
    with link_room("sb-link-test") as made:
        yield made


def test_a_show_with_link_follows_a_tempo_change_another_peer_makes(
    room: LinkRoom, tmp_path: Path
) -> None:
    peer = room.peer(100.0)
    peer_lines = Lines(peer)
    _proc, lines = bridge_in(room, tmp_path, link_set=False)
    lines.until(lambda i: i.get("view", {}).get("peers") == 1, 15.0, "peer seen by the bridge")
    assert settled(lines, peer_lines) in (100.0, 120.0)  # the peer's or the bridge's
    send(peer, "tempo 137")
    heard = lines.until(
        lambda i: "heard" in i and abs(i["heard"]["bpm"] - 137.0) < 0.01, 5.0, "the change to 137"
    )
    assert heard["heard"]["source"] == "link"
    view = lines.until(lambda i: "view" in i, 1.0, "a view")["view"]
    assert view["leader"] == "link"
    assert view["change"] == "link leads"
    # and on the peer's beat: a few more beats, each against the peer's at that moment
    later = [
        lines.until(lambda i: "heard" in i and i["heard"]["beat"], 3.0, "a beat")["heard"]
        for _ in range(4)
    ]
    peer_lines.until(lambda i: i["t"] > later[-1]["t"] + 0.1, 2.0, "the peer's report")
    errors = [phase_error_ms(h, peer_lines.items) for h in later]
    assert max(errors) < 5.0, errors


@pytest.mark.parametrize("link_set", [True, False])
def test_taps_set_the_session_tempo_only_when_the_show_allows_it(
    room: LinkRoom, tmp_path: Path, link_set: bool
) -> None:
    peer = room.peer(90.0)
    peer_lines = Lines(peer)
    proc, lines = bridge_in(room, tmp_path, link_set=link_set)
    lines.until(lambda i: i.get("view", {}).get("peers") == 1, 15.0, "peer seen by the bridge")
    room_bpm = settled(lines, peer_lines)
    for _ in range(4):  # 0.4 s apart: 150 BPM
        send(proc, f"tap {OSC_PORT}")
        time.sleep(0.4)
    if link_set:
        state = peer_lines.until(lambda i: abs(i["bpm"] - 150.0) < 3.0, 5.0, "the tapped tempo")
        assert state["peers"] == 1
    else:  # the taps are the bridge's own source, ranked below Link: the room keeps its tempo
        time.sleep(1.0)
        seen = len(peer_lines.items)
        peer_lines.until(lambda i: i["t"] > time.monotonic() - 0.1, 2.0, "a report")
        assert room_bpm in (90.0, 120.0)
        assert all(abs(p["bpm"] - room_bpm) < 0.01 for p in peer_lines.items[seen - 60 :])
    view = lines.until(lambda i: "view" in i, 1.0, "a view")["view"]
    assert view["leader"] == "link"


def test_a_stopped_session_gives_no_beat_until_it_plays_again(
    room: LinkRoom, tmp_path: Path
) -> None:
    peer = room.peer(120.0)
    _proc, lines = bridge_in(room, tmp_path, link_set=False)
    lines.until(lambda i: i.get("view", {}).get("peers") == 1, 15.0, "peer seen by the bridge")
    send(peer, "play")
    lines.until(lambda i: i.get("view", {}).get("leader") == "link", 3.0, "link leading")
    send(peer, "stop")
    view = lines.until(lambda i: "view" in i and i["view"]["leader"] is None, 4.0, "silence")
    assert view["view"]["change"] == "link went silent, no source leads"
    send(peer, "play")
    lines.until(lambda i: i.get("view", {}).get("leader") == "link", 3.0, "link back")
