"""Pages over real JACK ports: a controller process presses shift and the page buttons of a
shipped profile, and ``jack_midi_dump`` sees the LEDs change with the page.

The bridge runs with its real devices (MIDI input, feedback output) and no Scope: what is
checked here is the controller side. Needs the dummy JACK server (conftest).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.inputs.midi_ports import MidiApi
from bridge.running.bridge import Bridge
from bridge.running.devices import Devices
from tests.io.jackkit import Sender, StartSender, jack_tool, poll, port_appears, read_dump

pytestmark = pytest.mark.jack

TAG = f"sbpg{os.getpid()}"
REPO = Path(__file__).resolve().parents[2]
Message = tuple[int, ...]


def device_override(name: str, sender: Sender, dump: str) -> str:
    """The profile's device, on the test's ports instead of the hardware's."""
    return (
        f'[devices.midi.{name}]\nport = {sender.full_name!r}\nmatch = "exact"\n'
        f'api = "UNIX_JACK"\noutput_port = "{dump}:input"\n'
    )


@contextlib.asynccontextmanager
async def bridge_running(path: Path) -> AsyncIterator[tuple[Bridge, Devices]]:
    """The show's bridge with its MIDI devices, until the block ends (no Scope)."""
    show = load_show(path)
    bridge = Bridge(show)
    devices = Devices(show, bridge)
    await devices.open()
    devices.start()
    task = asyncio.create_task(bridge.run())
    try:
        midi = devices.midi
        assert midi is not None
        assert await poll(lambda: all(s.connected for s in midi.statuses()), 10), midi.statuses()
        assert await poll(lambda: all(f.connected for f in devices.feedback.values()), 10)
        yield bridge, devices
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(dump: asyncio.subprocess.Process, *wanted: Message) -> list[Message]:
    """Read the dump until every one of ``wanted`` came by; everything read, in order."""
    got: list[Message] = []
    try:
        async with asyncio.timeout(10):
            while not set(wanted) <= set(got):
                got += await read_dump(dump, 1)
    except TimeoutError:
        pytest.fail(f"in 10 s the controller never got {set(wanted) - set(got)}; it got {got}")
    return got


def note(n: int, on: bool) -> bytes:
    return bytes([0x90, n, 127]) if on else bytes([0x80, n, 0])


async def test_apc_pages_show_leds_follow_the_page(
    jack_server: str, start_sender: StartSender, tmp_path: Path
) -> None:
    """mappings/apc-pages.toml on the APC mini mk2 profile. On mix, top-row pad 1 is the
    "calm" scene pad, lit. Holding SHIFT lights the page pad of mix (scene button 1);
    SHIFT + scene button 2 goes to lora: its pad is lit, and on release pad 1 shows lora's
    ink LoRA (off) instead of the scene; the freeze LED, unchanged, is sent again (the page
    is refreshed whole). Pad 1 then toggles the LoRA, not the scene."""
    sender = await start_sender(TAG, "apc")
    dump_name = f"{TAG}apcd"
    async with jack_tool("jack_midi_dump", dump_name) as dump:
        assert await port_appears(MidiApi("jack"), f"{dump_name}:input", output=True)
        path = tmp_path / "show.toml"
        path.write_text(
            f'include = ["{REPO / "mappings" / "apc-pages.toml"}"]\n'
            + device_override("apc", sender, dump_name)
        )
        async with bridge_running(path) as (bridge, _):
            lit, dark = 21, 0  # the profile's green; LEDs on channel 7 (full brightness)
            await until(dump, (0x96, 56, lit), (0x96, 57, dark), (0x96, 118, dark))
            assert bridge.engine.view.page == "mix"

            await sender.send(note(122, True))  # SHIFT
            await until(dump, (0x96, 112, lit))  # page 1 (mix) is where we are
            assert bridge.engine.view.layers == ("shift",)
            await sender.send(note(113, True), note(113, False))  # page 2
            seen = await until(dump, (0x96, 113, lit), (0x96, 112, dark))
            assert bridge.engine.view.page == "lora"
            seen += await until(dump, (0x96, 56, dark))  # lora's pad 1: the ink LoRA, off
            if (0x96, 118, dark) not in seen:  # never changed: only a refresh sends it
                seen += await until(dump, (0x96, 118, dark))
            await sender.send(note(122, False))
            assert await poll(lambda: bridge.engine.view.layers == (), 5)
            assert bridge.state.scene == "calm"

            await sender.send(note(56, True), note(56, False))  # lora's pad 1: the ink LoRA
            await until(dump, (0x96, 56, lit))
            assert bridge.state.value("lora.ink.scale") == 1.0
            assert bridge.state.scene == "calm"


PROFILES = [
    # profile, device, LED channel (0-based), a lit pad (note or CC), page-next presses,
    # the shift button (kind, number), led_on, led_off
    ("launch-control-xl", "lcxl", 8, ("note", 41), [(0xB8, 107)], ("note", 105), 60, 12),
    ("nanokontrol2", "nano", 0, ("cc", 32), [(0xB0, 59)], ("cc", 46), 127, 0),
]


@pytest.mark.parametrize(
    ("profile", "device", "channel", "pad", "presses", "shift", "on", "off"),
    PROFILES,
    ids=[p[0] for p in PROFILES],
)
async def test_profile_page_buttons_and_shift_move_the_leds(
    jack_server: str,
    start_sender: StartSender,
    tmp_path: Path,
    profile: str,
    device: str,
    channel: int,
    pad: tuple[str, int],
    presses: list[tuple[int, int]],
    shift: tuple[str, int],
    on: int,
    off: int,
) -> None:
    """A two-page show on the profile: a pad selects scene a on page one (lit, a is the
    scene) and scene b on page two (dark). The profile's page-next button turns the LED
    off; its shift button lights its own LED while held."""
    sender = await start_sender(TAG, device)
    dump_name = f"{TAG}{device}d"
    kind, number = pad
    status = (0x90 if kind == "note" else 0xB0) | channel
    midi = f'{{ midi = "{device}", channel = {channel + 1}, {kind} = {number} }}'
    async with jack_tool("jack_midi_dump", dump_name) as dump:
        assert await port_appears(MidiApi("jack"), f"{dump_name}:input", output=True)
        path = tmp_path / "show.toml"
        path.write_text(
            f'include = ["{REPO / "mappings" / "controllers" / f"{profile}.toml"}"]\n'
            'pages = ["one", "two"]\nstart_scene = "a"\n'
            '[[prompts]]\nid = "p"\ntext = "x"\n'
            '[[scenes]]\nname = "a"\nweights = { p = 1.0 }\n'
            '[[scenes]]\nname = "b"\nweights = { p = 0.5 }\n'
            f'[[mappings]]\nsource = {midi}\ntarget = "scene"\npad = "radio"\nvalue = "a"\n'
            'page = "one"\n'
            f'[[mappings]]\nsource = {midi}\ntarget = "scene"\npad = "radio"\nvalue = "b"\n'
            'page = "two"\n' + device_override(device, sender, dump_name)
        )
        async with bridge_running(path) as (bridge, _):
            await until(dump, (status, number, on))
            for head, control in presses:
                await sender.send(bytes([head, control, 127]), bytes([head, control, 0]))
            await until(dump, (status, number, off))
            assert bridge.engine.view.page == "two"
            assert bridge.state.scene == "a"

            shift_kind, shift_number = shift
            head = (0x90 if shift_kind == "note" else 0xB0) | channel
            await sender.send(bytes([head, shift_number, 127]))
            await until(dump, (head, shift_number, on))
            assert bridge.engine.view.layers == ("shift",)
            await sender.send(bytes([head, shift_number, 0]))
            await until(dump, (head, shift_number, off))
