"""``python -m bridge.features.bench [--quick]``: print the audio benchmark metrics."""

from bridge.features.bench.run import main

main()
