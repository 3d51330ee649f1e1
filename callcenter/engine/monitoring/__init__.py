"""Supervisors monitoring a live call: their phone eavesdrops on the caller (listen, whisper,
barge), the mode switches on the running leg, every session is audited in SQL."""
