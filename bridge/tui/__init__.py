"""The Textual show console."""
