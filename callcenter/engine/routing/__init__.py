"""Queues: waiting in line, ACD dispatch, ringing agents, queued callbacks."""
