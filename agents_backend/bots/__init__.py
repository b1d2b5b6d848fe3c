"""Agents: the built-ins, bot templates, a person's custom bots and their own OpenAI keys,
and the one agent lookup.
"""
