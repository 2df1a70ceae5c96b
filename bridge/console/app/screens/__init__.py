"""The console's dialogs: help, quit confirmation, list pick, prompt edit, learn."""
