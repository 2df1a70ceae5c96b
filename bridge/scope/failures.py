"""Turning every way a Scope request can fail into one sentence a performer can act on.

Transport errors become ``ScopeUnreachable`` (refused, DNS, TLS, timeout); error statuses become
``ScopeRejected`` carrying the server's reason. FastAPI's 422 lists failing fields as ``loc``
paths; we name the first one (``initialParameters.prompts.0``) instead of dumping the JSON.
Messages carry the redacted URL only, never a header or a token.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from bridge.errors import ScopeRejected, ScopeUnreachable

PIPELINE_NOT_LOADED = "pipeline not loaded"
_DETAIL_LIMIT = 160


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, its causes, and the members of any exception group on the way."""
    chain: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(chain) < 20:
        current = todo.pop(0)
        if current in chain:
            continue
        chain.append(current)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        todo.extend(n for n in (current.__cause__, current.__context__) if n is not None)
    return chain


def refused(exc: BaseException) -> bool:
    """True when the connection was refused: nothing listens there (yet, or any more)."""
    chain = _causes(exc)
    if any(isinstance(item, ConnectionRefusedError) for item in chain):
        return True
    return "refused" in " ".join(str(item) for item in chain).lower()


def unreachable(exc: httpx.TransportError, where: str, timeout_s: float | None) -> ScopeUnreachable:
    """Name the transport failure: timeout, TLS, DNS, refused, or a dropped connection."""
    chain = _causes(exc)
    text = " ".join(str(item) for item in chain).lower()
    if isinstance(exc, httpx.TimeoutException):
        limit = f" within {timeout_s:g} s" if timeout_s else ""
        return ScopeUnreachable(f"Scope at {where} did not answer{limit} (timeout).")
    if any(isinstance(item, ssl.SSLError) for item in chain) or "certificate" in text:
        return ScopeUnreachable(
            f"TLS handshake with {where} failed: the certificate or HTTPS setup is wrong."
        )
    if any(
        word in text
        for word in (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo",
            "name resolution",
            "no address associated",
        )
    ):
        return ScopeUnreachable(f"Cannot find the host of {where} (DNS lookup failed).")
    if refused(exc):
        return ScopeUnreachable(
            f"Nothing is listening at {where} (connection refused): is Scope running?"
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return ScopeUnreachable(f"Scope at {where} dropped the connection.")
    return ScopeUnreachable(f"Cannot reach Scope at {where} ({type(exc).__name__}).")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def _field_error(items: Sequence[Any]) -> str:
    """The first FastAPI validation error as 'field a.b.0: message'."""
    for item in items:
        if isinstance(item, Mapping):
            loc = [str(part) for part in item.get("loc", []) if part not in ("body", "query")]
            msg = str(item.get("msg", "invalid value"))
            more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
            return f"field {'.'.join(loc) or '?'}: {msg}{more}"
    return "the request did not validate"


def detail_of(response: httpx.Response) -> str:
    """The server's reason: FastAPI's ``detail``, a ``message``/``error``, or the raw text."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _short(response.text) if response.text.strip() else ""
    if isinstance(body, Mapping):
        detail = body.get("detail", body.get("message", body.get("error")))
        if isinstance(detail, list):
            return _field_error(detail)
        if detail is not None:
            return _short(str(detail))
    return _short(json.dumps(body))


def rejected(response: httpx.Response, what: str, where: str) -> ScopeRejected:
    """One sentence for an error status answering ``what`` (e.g. 'the WebRTC offer')."""
    status = response.status_code
    detail = detail_of(response)
    # Older servers wrap the 400 in a 500 ("400: Pipeline not loaded..."): same meaning.
    if PIPELINE_NOT_LOADED in detail.lower():
        return ScopeRejected(
            f"Scope refused {what}: no pipeline is loaded yet (load one first).", 400
        )
    if status == 422:
        return ScopeRejected(f"Scope rejected {what}: {detail}.", status)
    if status in (401, 403):
        return ScopeRejected(
            f"Scope at {where} refused {what} (HTTP {status}): check the access token.", status
        )
    if status == 404 and detail in ("", "Not Found"):
        return ScopeRejected(
            f"Scope at {where} has no endpoint for {what} (HTTP 404): is the URL right?",
            status,
        )
    if status >= 500:
        reason = f": {detail}" if detail else ""
        return ScopeRejected(f"Scope failed on {what} (HTTP {status}){reason}.", status)
    reason = f": {detail}" if detail else ""
    return ScopeRejected(f"Scope refused {what} (HTTP {status}){reason}.", status)
