"""The stand-in's switches, shared by ``python -m bridge.sim`` and ``scope-bridge sim``."""

from __future__ import annotations

import argparse

from bridge.cli.main import build_parser
from bridge.sim.options import SimOptions, add_options, from_args


def test_defaults_are_a_normal_0_2_4_install_with_per_pipeline_rates() -> None:
    parser = argparse.ArgumentParser()
    add_options(parser)
    options = SimOptions(**from_args(parser.parse_args([])))
    assert options == SimOptions()
    assert (options.version, options.fps, options.chunk_frames) == ("0.2.4", None, None)
    assert options.frontend
    assert options.tempo_link


def test_scope_bridge_sim_takes_the_same_switches() -> None:
    args = build_parser().parse_args(
        ["sim", "--scope-version", "0.1.4", "--no-frontend", "--fps", "30", "--chunk-frames", "4"]
    )
    options = SimOptions(**from_args(args))
    assert (options.version, options.frontend, options.fps, options.chunk_frames) == (
        "0.1.4",
        False,
        30.0,
        4,
    )
