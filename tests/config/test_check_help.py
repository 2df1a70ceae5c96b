"""Every `scope-bridge` option says what it takes, its default and its unit in `--help`."""

from __future__ import annotations

import argparse

import pytest

from bridge.cli.main import build_parser


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_option_is_explained_with_its_default(name: str) -> None:
    """No bare option: each has a help text, and one with a default value shows it."""
    parser = subcommands()[name]
    text = " ".join(parser.format_help().split())
    for action in options(parser):
        assert action.help, f"{name} {action.option_strings or action.dest} has no help"
        switch = isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction)
        if switch:
            continue
        if action.default not in (None, False, argparse.SUPPRESS):
            shown = f"(default: {action.default})"
            assert shown in text, f"{name} {action.option_strings}: {shown} not in its help"
        elif action.option_strings:
            assert "default:" in (action.help or ""), (
                f"{name} {action.option_strings}: say what happens when it is left out"
            )


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("sim", ["TCP port to listen on (default: 8000)", "frames generated per second"]),
        ("sim", ["seconds a pipeline takes to load (default: 0.3)"]),
        ("learn", ["after this many seconds with nothing moved (default: 60.0)"]),
        ("monitor", ["stop after this many seconds"]),
        ("check", ["every mistake"]),
    ],
)
def test_units_are_named(name: str, words: list[str]) -> None:
    text = " ".join(subcommands()[name].format_help().split())
    for w in words:
        assert w in text
