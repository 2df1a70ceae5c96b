"""Talking to Daydream Scope: REST client, WebRTC session, link supervisor, REST transport."""
