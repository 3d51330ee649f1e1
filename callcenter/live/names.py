"""Names of the Redis streams, pub/sub channels and hashes the engine and the console share."""

AGENT_COMMANDS = "agent-commands"  # stream: console/CTI -> engine agent actions
WALLBOARD = "wallboard"  # channel: every agent and call change, for supervisors
ENGINE_STATUS = "engine"  # hash engine:<node_id>: the process running the node, its takeover
FLOW_PROBLEMS = "flow-problems"  # hash flow-problems:<node_id>: the node's broken flow files


def agent_channel(agent_id: str) -> str:
    """Channel of one agent's desktop: results of its commands, offers, errors."""
    return f"agent:{agent_id}"


def node_commands(node: str) -> str:
    """Stream of the commands passed on to one engine (the one holding the agent)."""
    return f"{AGENT_COMMANDS}:{node}"


MONITOR_COMMANDS = "monitor-commands"  # stream: console -> engine supervisor monitoring requests
CONFIG_CHANGED = "config-changed"  # channel: admin change committed (kind, id) -> engines reload
