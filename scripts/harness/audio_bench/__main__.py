"""``python -m scripts.harness.audio_bench [--quick]``: print the audio benchmark metrics."""

from scripts.harness.audio_bench.run import main

main()
