"""Ableton Link: the room's tempo session as a tempo source (``[tempo] link = true``).

`LinkReader` is pure: samples of the session (its beat at a time, its tempo, how many peers,
whether it plays) in, `TempoBeat` events out. `LinkSession` joins the session with `aalink`
and samples it just after each grid line (and at least every `POLL_S`); it is built only
when the show asks for Link, since joining announces the bridge on every network it is on.

Rules:
- events fall on a grid of `PER_BEAT` a beat, each stamped with the moment the session's beat
  crossed that grid line (from the sample, not from when the poll ran): a late poll delays
  an event but never moves its beat;
- alone in a session the bridge's own Link clock is no tempo to follow: it gives nothing
  until a peer joins (then the leader is the room's tempo, whatever set it);
- start/stop: once a peer has played, a stopped session gives nothing (the quantiser stops
  holding) until it plays again; a session nobody ever started gives beats all along.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.core.events import TempoBeat

log = logging.getLogger("bridge")

SOURCE = "link"
PER_BEAT = 4
POLL_S = 0.01
"""The longest between two looks at the session (a tempo change or a peer is seen this soon)."""
WAKE_AFTER_S = 0.0003
"""A look is also due just after the next grid line, so its event reaches the bridge at once."""
START_BPM = 120.0
"""Our proposal to an empty session; a session with peers keeps its own."""


@dataclass(slots=True)
class LinkReader:
    """Turns session samples into tempo events on a grid of `PER_BEAT` a beat."""

    quantum: int = 4
    start_stop: bool = True
    last_line: int | None = None
    played: bool = False

    def sample(
        self, t: float, beat: float, bpm: float, peers: int, playing: bool
    ) -> list[TempoBeat]:
        """One sample taken at ``t``; the event for the grid line crossed since the last one."""
        if not (math.isfinite(t) and math.isfinite(beat) and math.isfinite(bpm)) or bpm <= 0.0:
            return []
        self.played = self.played or playing
        line = math.floor(beat * PER_BEAT + 1e-9)
        crossed = self.last_line is not None and line != self.last_line
        self.last_line = line
        if not crossed or peers < 1 or (self.start_stop and self.played and not playing):
            return []
        at_beat = line / PER_BEAT
        when = t - (beat - at_beat) * 60.0 / bpm
        bar = at_beat % self.quantum
        return [
            TempoBeat(
                when,
                SOURCE,
                bpm,
                at_beat % 1.0,
                bar / self.quantum,
                beat=line % PER_BEAT == 0,
                downbeat=line % (PER_BEAT * self.quantum) == 0,
            )
        ]


def until_next_line(beat: float, bpm: float) -> float:
    """Seconds from ``beat`` to the next grid line at ``bpm``."""
    if not bpm > 0.0:
        return POLL_S
    following = (math.floor(beat * PER_BEAT + 1e-9) + 1) / PER_BEAT
    return max(following - beat, 0.0) * 60.0 / bpm


@dataclass(slots=True)
class LinkView:
    """The session as the console shows it."""

    peers: int = 0
    bpm: float = 0.0
    beat: float = 0.0
    playing: bool = False
    error: str = ""


class LinkSession:
    """Joins the Link session while it runs; hands its beats to ``submit``."""

    def __init__(
        self,
        quantum: int,
        start_stop: bool,
        submit: Callable[[TempoBeat], None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reader = LinkReader(quantum, start_stop)
        self.submit = submit
        self.clock = clock
        self.view = LinkView()
        self._link: Any = None
        self._wanted: float | None = None

    def set_tempo(self, bpm: float) -> None:
        """Propose a tempo to everyone in the session (the show allowed it: ``link_set``)."""
        if math.isfinite(bpm) and 20.0 <= bpm <= 999.0:
            self._wanted = bpm

    async def run(self) -> None:
        try:
            import aalink  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:  # a broken install: say so, the rest of the show runs
            self.view.error = f"Ableton Link is not available here: {exc}"
            raise
        link = aalink.Link(START_BPM)
        link.quantum = self.reader.quantum
        link.start_stop_sync_enabled = self.reader.start_stop
        link.enabled = True
        self._link = link
        log.info("link: joined the session (quantum %d)", self.reader.quantum)
        try:
            while True:
                if self._wanted is not None:
                    link.tempo, self._wanted = self._wanted, None
                before = self.clock()
                beat = float(link.beat)
                t = (before + self.clock()) / 2.0
                bpm, peers, playing = float(link.tempo), int(link.num_peers), bool(link.playing)
                self.view = LinkView(peers, bpm, beat, playing)
                for event in self.reader.sample(t, beat, bpm, peers, playing):
                    self.submit(event)
                await asyncio.sleep(min(POLL_S, until_next_line(beat, bpm) + WAKE_AFTER_S))
        finally:
            link.enabled = False
            self._link = None
            log.info("link: left the session")
