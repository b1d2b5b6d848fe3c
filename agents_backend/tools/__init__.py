"""The agent's tools: what its model may do by calling functions (chat/tooling.py)."""
