"""Participant sessions: a study's links that record participants' faces while a stimulus plays, and their
responses along it (docs/participant-sessions.md)."""
