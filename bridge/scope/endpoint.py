"""Where Scope lives: a base URL (maybe with a path prefix), secret headers, and safe display.

A Scope server may sit at ``http://host:8000``, behind a RunPod proxy
(``https://<id>-8000.proxy.runpod.net``) or under an app proxy prefix (``http://host/api/scope``).
Tokens can hide in userinfo, the query string, or a header taken from the environment; none of
them may reach a log line or a status screen, so everything shown goes through ``redact``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bridge.errors import ConfigError

TOKEN_ENV = "SCOPE_API_TOKEN"
"""Environment variable holding a bearer token for a Scope behind an authenticating proxy."""

_SECRET_WORDS = ("token", "key", "secret", "auth", "pass", "sig", "credential", "session")


def redact(url: str) -> str:
    """Return ``url`` fit for display: userinfo and secret-looking query values hidden."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal must keep its brackets
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    if parts.username or parts.password:
        netloc = f"***@{netloc}"
    query = [
        (name, "***" if any(word in name.lower() for word in _SECRET_WORDS) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))


def auth_headers_from_env(variable: str = TOKEN_ENV) -> dict[str, str]:
    """An ``Authorization: Bearer`` header when ``variable`` is set, else nothing."""
    token = os.environ.get(variable, "").strip()
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass(frozen=True, slots=True, repr=False)
class ScopeEndpoint:
    """A validated Scope base URL plus the extra headers every request carries."""

    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                "scope", "url", f"{redact(self.base_url)!r} is not an http(s) URL with a host"
            )

    def __repr__(self) -> str:  # a repr lands in logs and tracebacks: keep secrets out
        return f"ScopeEndpoint({self.display!r})"

    @property
    def display(self) -> str:
        """The base URL as it may be shown and logged."""
        return redact(self.base_url)

    @property
    def root(self) -> str:
        """Scheme, host and path prefix with a trailing slash; userinfo and query removed."""
        parts = urlsplit(self.base_url)
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + "/", "", ""))

    @property
    def query(self) -> dict[str, str]:
        """Query parameters of the base URL (a proxy token, say), sent with every request."""
        return dict(parse_qsl(urlsplit(self.base_url).query, keep_blank_values=True))

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """Userinfo of the base URL as HTTP basic credentials, if any."""
        parts = urlsplit(self.base_url)
        if parts.username is None:
            return None
        return (parts.username, parts.password or "")

    @property
    def is_loopback(self) -> bool:
        """True when Scope runs on this machine (the stand-in, or a local install)."""
        host = urlsplit(self.base_url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
