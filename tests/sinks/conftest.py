"""Fixtures for the frame-sink tests: a loopback-only namespace for real NDI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridge.errors import SinkError
from bridge.sinks.ndi import load_cyndilib
from scripts.harness.netns import NdiNamespace, namespace_missing, ndi_namespace


@pytest.fixture
def ndi_ns() -> Iterator[NdiNamespace]:
    """A fresh ``sb-ndi-<pid>`` namespace with only loopback up, deleted afterwards.

    Real NDI runs only in here, never in the main namespace. Missing pieces fail the test.
    """
    reason = namespace_missing()
    if reason is not None:
        pytest.fail(f"NDI tests need a private network namespace: {reason}")
    try:
        load_cyndilib()
    except SinkError as exc:
        pytest.fail(str(exc))
    with ndi_namespace("sb-ndi") as ns:
        yield ns
