"""The Scope stand-in: same HTTP + WebRTC API and queue semantics, no GPU (``serve_sim``)."""
