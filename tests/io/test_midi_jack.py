"""MIDI input and feedback through a real JACK server and separate MIDI client processes.

Senders are other processes (our test sender owning a JACK port, ``jack_midiseq``); what we
send is read back by ``jack_midi_dump``. Needs the dummy JACK server (conftest).
"""

from __future__ import annotations

import asyncio
import os

import pytest

from bridge.core.events import (
    ChannelPressure,
    ControlChange,
    ControlChange14,
    Event,
    MidiClock,
    NoteOff,
    NoteOn,
    ParamNumber,
    PitchBend,
    ProgramChange,
    TempoBeat,
)
from bridge.errors import DeviceError
from bridge.feedback.midi_feedback import ControlKey, MidiFeedback
from bridge.inputs.midi import MidiDeviceConfig, MidiInputs
from bridge.inputs.midi_ports import MidiApi, list_ports
from tests.io.jackkit import (
    StartSender,
    jack_tool,
    poll,
    port_appears,
    read_dump,
    running,
)

pytestmark = pytest.mark.jack

TAG = f"h2t{os.getpid()}"  # unique port names: other test runs may share the JACK server


def test_list_ports_and_missing_api(jack_server: str) -> None:
    """JACK lists ports; an API that cannot work is one DeviceError sentence."""
    ports = list_ports("jack")
    assert ports.api == "JACK"
    assert isinstance(ports.inputs, tuple)
    with pytest.raises(DeviceError, match=r"^MIDI API UNIX_NOPE: cannot list input ports"):
        list_ports("UNIX_NOPE")
    if not os.path.exists("/dev/snd/seq"):
        with pytest.raises(DeviceError, match=r"^MIDI API ALSA: .*ALSA"):
            list_ports("mido.backends.rtmidi/LINUX_ALSA")


async def test_inputs_keep_running_without_a_working_api() -> None:
    """No MIDI API: a status with the reason, no exception, the task keeps running."""
    events: list[Event] = []
    inputs = MidiInputs([MidiDeviceConfig("apc", "APC*")], events.append, api="UNIX_NOPE")
    async with running(inputs.run()) as task:
        assert await poll(lambda: inputs.api_error is not None, 5)
        await asyncio.sleep(0.05)
        assert not task.done()
    (status,) = inputs.statuses()
    assert not status.connected
    assert status.error is not None
    assert "UNIX_NOPE" in status.error


async def test_every_message_kind_from_a_separate_process(start_sender: StartSender) -> None:
    """Notes, CCs, a 14-bit pair, an NRPN, bend, pressure and program arrive as events."""
    sender = await start_sender(f"{TAG}a", "out")
    events: list[Event] = []
    device = MidiDeviceConfig("ctl", f"re:^{TAG}a:", fourteen_bit=frozenset({1}))
    inputs = MidiInputs([device], events.append, api="jack", poll_interval=0.1)
    async with running(inputs.run()):
        assert await poll(lambda: inputs.statuses()[0].connected, 5), inputs.statuses()
        await sender.send(
            bytes([0x90, 60, 100]),
            bytes([0x80, 60, 0]),
            bytes([0x91, 61, 0]),  # velocity 0: a note off
            bytes([0xB0, 7, 99]),
            bytes([0xB0, 1, 0x40]),
            bytes([0xB0, 33, 0x05]),
            bytes([0xB2, 99, 9]),
            bytes([0xB2, 98, 82]),
            bytes([0xB2, 6, 0x7F]),
            bytes([0xB2, 38, 0x01]),
            bytes([0xE0, 0x00, 0x40]),
            bytes([0xD0, 33]),
            bytes([0xC0, 5]),
        )
        assert await poll(lambda: len(events) >= 9, 5), events
    stripped = [
        (type(e).__name__, {k: getattr(e, k) for k in e.__slots__ if k != "t"}) for e in events
    ]
    assert [type(e) for e in events] == [
        NoteOn,
        NoteOff,
        NoteOff,
        ControlChange,
        ControlChange14,
        ParamNumber,
        PitchBend,
        ChannelPressure,
        ProgramChange,
    ], stripped
    assert events[0] == NoteOn(events[0].t, "ctl", 1, 60, 100)
    assert events[2] == NoteOff(events[2].t, "ctl", 2, 61, 0)
    assert events[3] == ControlChange(events[3].t, "ctl", 1, 7, 99)
    assert events[4] == ControlChange14(events[4].t, "ctl", 1, 1, (0x40 << 7) | 5)
    assert events[5] == ParamNumber(events[5].t, "ctl", 3, "nrpn", 9 * 128 + 82, 0x7F * 128 + 1)
    assert events[6] == PitchBend(events[6].t, "ctl", 1, 0)
    times = [e.t for e in events]
    assert times == sorted(times)


async def test_virtual_input_receives_from_another_client(
    jack_server: str, start_sender: StartSender
) -> None:
    """A DAW-like process connects to our virtual port and plays notes into it; jack_midiseq
    then plays into it through jack_connect."""
    events: list[Event] = []
    port = f"Scope Bridge In {TAG}"
    api = MidiApi("jack")
    inputs = MidiInputs([MidiDeviceConfig("daw", port, virtual=True)], events.append, api=api)
    async with running(inputs.run()):
        assert await poll(lambda: inputs.statuses()[0].connected, 5)
        ours = next(n for n in await asyncio.to_thread(api.output_names) if n.endswith(port))
        daw = await start_sender(f"{TAG}daw", "out", ours)
        await daw.send(bytes([0x90, 64, 90]), bytes([0x80, 64, 0]))
        assert await poll(lambda: len(events) == 2, 5), events
        await daw.stop()
        assert events == [NoteOn(events[0].t, "daw", 1, 64, 90), NoteOff(events[1].t, "daw", 1, 64)]
        async with jack_tool("jack_midiseq", f"{TAG}seq", "4800", "0", "60", "2400"):
            assert await port_appears(api, f"{TAG}seq:out", output=False)
            connect = await asyncio.create_subprocess_exec("jack_connect", f"{TAG}seq:out", ours)
            assert await connect.wait() == 0
            assert await poll(lambda: sum(isinstance(e, NoteOff) for e in events) >= 3, 5)
    notes = [e for e in events[2:] if isinstance(e, NoteOn)]
    assert notes
    assert {(e.source, e.channel, e.note) for e in notes} == {("daw", 1, 60)}


async def test_hot_plug_reports_gone_and_reconnects(start_sender: StartSender) -> None:
    """A device whose process dies is reported gone; when it returns it is reopened within
    ~2 s, on_reconnected fires and its events flow again."""
    reconnected: list[str] = []
    events: list[Event] = []
    device = MidiDeviceConfig("pad", f"{TAG}hp*:out")
    inputs = MidiInputs(
        [device], events.append, api="jack", poll_interval=0.2, on_reconnected=reconnected.append
    )
    async with running(inputs.run()):
        first = await start_sender(f"{TAG}hp", "out")
        assert await poll(lambda: inputs.statuses()[0].connected, 5)
        assert reconnected == []
        await first.stop()
        assert await poll(lambda: not inputs.statuses()[0].connected, 3)
        gone = inputs.statuses()[0]
        assert gone.port is None
        assert gone.error is not None
        second = await start_sender(f"{TAG}hp", "out")
        assert await poll(lambda: inputs.statuses()[0].connected, 2.5)
        assert reconnected == ["pad"]
        await second.send(bytes([0xB0, 20, 1]))
        assert await poll(lambda: len(events) == 1, 3)
    assert events == [ControlChange(events[0].t, "pad", 1, 20, 1)]
    assert inputs.statuses()[0].last_event == events[0].t


async def test_clock_from_a_separate_process_gives_tempo(start_sender: StartSender) -> None:
    """24 ticks per beat at 120 BPM from another process read back as 120 ± 1 BPM."""
    sender = await start_sender(f"{TAG}clk", "out")
    events: list[Event] = []
    device = MidiDeviceConfig("clock", f"{TAG}clk:out", tempo_from_clock=True)
    inputs = MidiInputs([device], events.append, api="jack", poll_interval=0.1)
    async with running(inputs.run()):
        assert await poll(lambda: inputs.statuses()[0].connected, 5)
        await sender.command("clock 120 96")
        assert await poll(lambda: sum(isinstance(e, MidiClock) for e in events) >= 97, 5)
    clocks = [e for e in events if isinstance(e, MidiClock)]
    assert clocks[0].kind == "start"
    tempo = [e for e in events if isinstance(e, TempoBeat)]
    assert [e.beat for e in tempo if e.beat] == [True] * 4
    assert tempo[-1].bpm == pytest.approx(120.0, abs=1.0)


async def test_feedback_reaches_a_receiver_coalesced_and_is_resent(jack_server: str) -> None:
    """LED values reach jack_midi_dump as the right bytes; a burst on one control sends only
    its latest value; when the receiver returns, every value is sent again."""
    api = MidiApi("jack")
    dump_name = f"{TAG}dump"
    feedback = MidiFeedback("apc", f"{dump_name}:input", api=api, poll_interval=0.2)
    async with running(feedback.run()):
        async with jack_tool("jack_midi_dump", dump_name) as dump:
            assert await port_appears(api, f"{dump_name}:input", output=True)
            assert await poll(lambda: feedback.connected, 5)
            for value in range(128):  # one control, many values: only the last goes out
                feedback.set(ControlKey("cc", 1, 48), value)
            feedback.set(ControlKey("note", 2, 36), 5)
            feedback.set(ControlKey("cc14", 1, 7), 1000)
            assert await read_dump(dump, 4) == [
                (0xB0, 48, 127),
                (0x91, 36, 5),
                (0xB0, 7, 1000 >> 7),
                (0xB0, 39, 1000 & 127),
            ]
        assert await poll(lambda: not feedback.connected, 3), (
            api.output_names(),
            feedback.error,
            feedback.port_name,
        )
        async with jack_tool("jack_midi_dump", dump_name) as dump:
            resent = await read_dump(dump, 4)
        assert sorted(resent) == sorted(
            [(0xB0, 48, 127), (0x91, 36, 5), (0xB0, 7, 1000 >> 7), (0xB0, 39, 1000 & 127)]
        )


async def test_feedback_rate_limit_spreads_a_burst(jack_server: str) -> None:
    """100 changes at 200 messages/s take about half a second and all arrive, in order."""
    api = MidiApi("jack")
    dump_name = f"{TAG}rate"
    feedback = MidiFeedback("apc", f"{dump_name}:input", api=api, max_rate=200.0)
    async with running(feedback.run()), jack_tool("jack_midi_dump", dump_name) as dump:
        assert await port_appears(api, f"{dump_name}:input", output=True)
        assert await poll(lambda: feedback.connected, 5)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for n in range(100):
            feedback.set(ControlKey("note", 1, n), 1)
        received = await read_dump(dump, 100)
        elapsed = loop.time() - start
    assert received == [(0x90, n, 1) for n in range(100)]
    assert 0.3 < elapsed < 5.0
