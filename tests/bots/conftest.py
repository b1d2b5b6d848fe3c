from __future__ import annotations

from tests.sockets.conftest import Connect, connect_user

__all__ = ["Connect", "connect_user"]
