"""The conversation: a message in, the agent's streamed reply out, with context,
responders, pacing, suggestions and summaries.
"""
