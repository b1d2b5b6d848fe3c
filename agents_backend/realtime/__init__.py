"""The Socket.IO side: the agent:* namespace, delivery to rooms, the packet codec and
origin checks.
"""
