"""What tests and benchmarks share, kept out of the installed package.

Why here: ``bridge/`` is what a user installs and runs; network namespaces, NDI loop checks,
the TURN lab, the Link room and the audio benchmark's generated tracks exist only to measure
or test it. They live beside ``scripts/benchmarks`` (a sibling under ``scripts/``, which the
repository's top level fixes) so that both tests and benchmarks import them from one place,
one way only: ``tests`` and ``scripts.benchmarks`` import ``scripts.harness``; this package
imports ``bridge`` and nothing from ``tests`` or ``scripts.benchmarks``, and ``bridge``
imports none of it (tests/test_layout.py keeps both rules). Modules run as child processes
(``python -m scripts.harness.…``) need the checkout's root as the working directory, as
``scripts/bench`` and pytest give them.
"""
