"""Surviving a restart or outage: re-adopted callers, taken-over calls, unseen calls."""
