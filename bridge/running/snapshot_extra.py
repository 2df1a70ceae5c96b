"""What a runtime adds to the bridge's snapshot (`Snapshot.extra`): audio features, scenes,
OSC losses, refused numbers by source, frame outputs, targets, reloads, Scope's own changes
and the tempo with who leads it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from bridge.core.events import TempoBeat
from bridge.core.finite import by_source
from bridge.running.scope_target import targets_extra

if TYPE_CHECKING:
    from bridge.running.runtime import Runtime


def extra(runtime: Runtime) -> dict[str, Any]:
    """The extras of one snapshot, read from ``runtime``'s parts now."""
    show, bridge = runtime.show, runtime.bridge
    extra: dict[str, Any] = {}
    if show.audio:
        extra["audio"] = dict(runtime.audio_inputs.values)
    extra["scenes"] = [s.name for s in show.scenes]
    osc = runtime.devices.osc_losses()
    extra["osc_malformed"] = sum(o.malformed_total for o in osc.values())
    extra["osc"] = {name: asdict(o) for name, o in osc.items()}
    # non-finite numbers refused, by source and reason: OSC inputs refuse theirs as they
    # parse, the bridge those of audio, tempo, console and clock events
    refused = Counter(bridge.refused)
    for name, o in osc.items():
        refused.update({(name, why): count for why, count in o.refused.items()})
    extra["refused"] = by_source(refused)
    extra["scope_drops"] = runtime.scope_drops
    extra["sinks"] = [s.name for u in runtime.targets.values() for s in u.router.status()]
    if show.targets:  # one line per target, and what they add up to
        extra.update(targets_extra(runtime.targets.values()))
    extra["reloads"] = runtime.reloads
    extra["scope_changes"] = {"count": runtime.sync.changes, "line": runtime.sync.last_change}
    tempo = bridge.tempo
    lead = runtime.tempo.view()  # who leads, the last change, Link's peers
    if tempo is not None:  # where it comes from and how fresh it is, for every view
        extra["tempo"] = tempo_view(tempo, bridge.clock()) | lead
    elif len(lead) > 1:
        extra["tempo"] = lead
    return extra


def tempo_view(tempo: TempoBeat, now: float) -> dict[str, Any]:
    """The tempo as the console, the log and `status` show it: its source, its BPM, the
    phase now (it moves on between beat events) and how old the last event is."""
    beats = max(now - tempo.t, 0.0) * tempo.bpm / 60.0
    return {
        "source": tempo.source,
        "bpm": round(tempo.bpm, 1),
        "beat_phase": (tempo.beat_phase + beats) % 1.0,
        "age_s": round(max(now - tempo.t, 0.0), 2),
    }
