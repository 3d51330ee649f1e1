"""Agents: their states (AgentBook), their calls, sharing them across engines."""
