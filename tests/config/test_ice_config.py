"""`[scope]` ICE keys: the show's own STUN/TURN URLs, its TURN username and credential variable,
and relay-only over TCP or TLS for a Scope no UDP reaches."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bridge.core.show import Show
from bridge.errors import ConfigError

BASE = """
schema = 1
[[prompts]]
id = "p1"
text = "one"
[scope]
"""


def test_ice_keys_are_read(show_from: Callable[[str], Show]) -> None:
    show = show_from(
        BASE + 'ice_servers = ["stun:s.example", "turn:t.example:443?transport=tcp"]\n'
        'ice_username = "bridge"\nice_credential_env = "MY_TURN"\nice_relay = "tcp"\n'
    )
    scope = show.scope
    assert scope.ice_servers == ("stun:s.example", "turn:t.example:443?transport=tcp")
    assert (scope.ice_username, scope.ice_credential_env, scope.ice_relay) == (
        "bridge",
        "MY_TURN",
        "tcp",
    )


def test_by_default_scope_s_servers_are_used_as_given(show_from: Callable[[str], Show]) -> None:
    scope = show_from(BASE).scope
    assert (scope.ice_servers, scope.ice_relay) == (None, "auto")


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ('ice_servers = ["turn:t.example:3478?transport=sctp"]', "scope.ice_servers[0]", "not a"),
        ('ice_servers = ["stun:s.example", "turn:t:70000"]', "scope.ice_servers[1]", "1..65535"),
        ('ice_relay = "udp"', "scope.ice_relay", "must be one of auto, off, tcp, tls"),
    ],
)
def test_a_url_aiortc_cannot_use_or_an_unknown_relay_names_the_key(
    show_from: Callable[[str], Show], line: str, key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        show_from(BASE + line + "\n")
    assert info.value.key == key
    assert words in str(info.value)
