"""What the agent's desktop (screen-pop) and the wallboard receive about live calls."""
