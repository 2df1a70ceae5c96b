"""ICE choices: which TURN URL a relay-only bridge keeps, the show's credential, loopback hosts.

aioice takes the first TURN URL it can speak and ignores the rest, so a Scope handing out
UDP before TCP (as TURN providers list them) leaves a bridge without UDP unable to connect
unless the bridge chooses; these are pure choices, tested on their own, then the stand-in's
endpoint that hands them out, read back by the real client.
"""

from __future__ import annotations

import asyncio

import aioice.ice
import pytest
from aiortc import RTCIceTransportPolicy
from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import ScopeError
from bridge.scope.client import ScopeClient
from bridge.scope.endpoint import ScopeEndpoint
from bridge.scope.ice import (
    loopback_candidates,
    relay_servers,
    rtc_configuration,
    show_servers,
)
from bridge.scope.ice_urls import url_problem, url_transport
from bridge.scope.models import IceServer
from bridge.scope.session import ScopeSession
from tests.sim.simkit import running_sim

SECRET = "s3cret-turn-credential"
PROVIDER = (
    IceServer(("stun:turn.example:3478",)),
    IceServer(
        (
            "turn:turn.example:3478?transport=udp",
            "turn:turn.example:3478?transport=tcp",
            "turns:turn.example:5349?transport=tcp",
        ),
        "user",
        SECRET,
    ),
)


def test_relay_off_keeps_every_server_as_given() -> None:
    assert relay_servers(PROVIDER, "off") == PROVIDER


def test_relay_over_tcp_keeps_the_tcp_then_the_tls_turn_url_with_their_credentials() -> None:
    kept = relay_servers(PROVIDER, "tcp")
    assert [s.urls for s in kept] == [
        ("turn:turn.example:3478?transport=tcp",),
        ("turns:turn.example:5349?transport=tcp",),
    ]
    assert all((s.username, s.credential) == ("user", SECRET) for s in kept)


def test_relay_over_tls_keeps_only_turns() -> None:
    kept = relay_servers(PROVIDER, "tls")
    assert [s.urls for s in kept] == [("turns:turn.example:5349?transport=tcp",)]


def test_no_turn_server_over_tcp_is_a_clear_error_without_the_credential() -> None:
    udp_only = (IceServer(("turn:t.example:3478",), "user", SECRET),)
    with pytest.raises(ScopeError) as caught:
        relay_servers(udp_only, "tcp")
    text = str(caught.value)
    assert "ice_relay = 'tcp'" in text
    assert "turn:t.example:3478" in text
    assert SECRET not in text
    assert "user" not in text


HOSTS = st.sampled_from(["t.example", "10.0.0.2", "[::1]"])
URLS = st.one_of(
    st.builds(lambda h: f"stun:{h}:3478", HOSTS),
    st.builds(
        lambda s, h, t: f"{s}:{h}:3478{t}",
        st.sampled_from(["turn", "turns"]),
        HOSTS,
        st.sampled_from(["", "?transport=udp", "?transport=tcp"]),
    ),
)
SERVERS = st.lists(
    st.builds(lambda urls: IceServer(tuple(urls), "u", "c"), st.lists(URLS, min_size=1)),
    max_size=4,
)


@given(SERVERS, st.sampled_from(["tcp", "tls"]))
def test_relay_keeps_exactly_the_turn_urls_it_can_reach_and_prefers_plain_tcp(
    servers: list[IceServer], relay: str
) -> None:
    wanted = {"tcp": ("tcp", "tls"), "tls": ("tls",)}[relay]
    reachable = [
        url
        for s in servers
        for url in s.urls
        if url.startswith("turn") and url_transport(url) in wanted and url_problem(url) is None
    ]
    if not reachable:
        with pytest.raises(ScopeError):
            relay_servers(servers, relay)  # type: ignore[arg-type]
        return
    kept = relay_servers(servers, relay)  # type: ignore[arg-type]
    urls = [s.urls[0] for s in kept]
    assert all(len(s.urls) == 1 for s in kept)
    assert sorted(urls) == sorted(reachable)
    ranks = [wanted.index(url_transport(url)) for url in urls]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("turn:t.example:3478?transport=tcp", None),
        ("turns:t.example", None),
        ("stun:[::1]:19302", None),
        ("http://t.example", "is not a STUN/TURN URL"),
        ("turn:t.example:99999", "has a port outside 1..65535"),
        ("stun:t.example?transport=udp", "is a STUN URL with a transport"),
        ("turns:t.example?transport=udp", "asks for TLS over UDP"),
        ("turn:t.example?transport=sctp", "is not a STUN/TURN URL"),
    ],
)
def test_url_problems_name_what_aiortc_would_choke_on_or_skip(
    url: str, problem: str | None
) -> None:
    found = url_problem(url)
    assert (found is None) if problem is None else (found or "").startswith(problem)


def test_the_relay_policy_and_credentials_reach_aiortc() -> None:
    config = rtc_configuration(relay_servers(PROVIDER, "tcp"), "tcp")
    assert config.iceTransportPolicy is RTCIceTransportPolicy.RELAY
    assert config.iceServers is not None
    assert (config.iceServers[0].username, config.iceServers[0].credential) == ("user", SECRET)
    assert rtc_configuration(PROVIDER).iceTransportPolicy is RTCIceTransportPolicy.ALL


def test_the_show_s_turn_urls_take_the_username_and_the_credential_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_TURN", SECRET)
    urls = ["stun:s.example", "turn:t.example?transport=tcp"]
    servers, note = show_servers(urls, "user", "MY_TURN")
    assert note is None
    assert servers == (
        IceServer(("stun:s.example",)),
        IceServer(("turn:t.example?transport=tcp",), "user", SECRET),
    )
    assert show_servers(None, "user", "MY_TURN") == (None, None)


def test_a_missing_credential_variable_is_said_without_any_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MY_TURN", raising=False)
    servers, note = show_servers(["turn:t.example"], "user", "MY_TURN")
    assert note == "[scope] ice_credential_env names MY_TURN, which is not set"
    assert servers == (IceServer(("turn:t.example",), "user", None),)
    _, note = show_servers(["turn:t.example"], "", "")
    assert note is not None
    assert "ice_username" in note


def test_loopback_candidates_hold_only_inside_the_block_and_the_tasks_it_starts() -> None:
    """One loopback Scope must not make a second, remote one's peer offer only 127.0.0.1,
    even when the remote one gathers while the loopback one is inside its block."""

    def hosts() -> list[str]:
        return list(aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False))

    async def later_hosts(go: asyncio.Event) -> list[str]:
        await go.wait()
        return hosts()

    async def scenario() -> tuple[list[str], ...]:
        go = asyncio.Event()
        remote = asyncio.create_task(later_hosts(go))  # another Scope's session, already running
        with loopback_candidates():
            inside = hosts()
            go.set()
            child = await asyncio.create_task(later_hosts(go))  # aiortc gathers in tasks
            remote_saw = await remote
        return inside, child, remote_saw, hosts()

    interfaces = ["192.0.2.7"]  # this machine's addresses, as aioice would find them
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = lambda **_: interfaces
    try:
        inside, child, remote_saw, after = asyncio.run(scenario())
        with loopback_candidates(False):
            unasked = hosts()
    finally:
        aioice.ice.get_host_addresses = original
    assert inside == child == ["127.0.0.1"]
    assert remote_saw == after == unasked == interfaces


async def test_the_stand_in_hands_out_its_ice_servers_as_scope_does_and_the_client_reads_them() -> (
    None
):
    servers = (IceServer(("stun:s.example:3478",)), *PROVIDER[1:])
    async with running_sim(ice_servers=servers) as (_, url):
        client = ScopeClient(ScopeEndpoint(url))
        try:
            raw = await client._json("GET", "/api/v1/webrtc/ice-servers", "ICE")
            assert raw == {
                "iceServers": [
                    {"urls": ["stun:s.example:3478"], "username": None, "credential": None},
                    {"urls": list(PROVIDER[1].urls), "username": "user", "credential": SECRET},
                ]
            }
            assert await client.ice_servers() == servers
        finally:
            await client.aclose()


async def test_a_relay_only_session_without_a_turn_server_over_tcp_says_so() -> None:
    """Scope hands out no TURN server: the session fails at once with the reason, before an
    offer that could never connect."""
    async with running_sim(ice_servers=(IceServer(("stun:127.0.0.1:9",)),)) as (sim, url):
        client = ScopeClient(ScopeEndpoint(url))
        session = ScopeSession(client, "longlive", ice_relay="tcp")
        try:
            with pytest.raises(ScopeError, match="needs a TURN server over TCP"):
                await session.open({})
        finally:
            await session.close()
            await client.aclose()
    assert sim.offers == []
