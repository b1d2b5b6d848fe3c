"""Socket.IO client managers that deliver an event for one socket without a task.

python-socketio's `AsyncManager.emit` starts a task per recipient and then waits on all
of them, even when the room holds a single socket, which is what nearly every chat event
addresses (a person with one tab). A task and an `asyncio.wait` per event were a visible
part of an exchange's CPU; here a room of one is sent to directly, in the caller's task,
with the same packet the library would build. Anything else (several sockets, skips,
callbacks) goes through the library's own path unchanged.
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet


class _DirectDelivery(socketio.AsyncManager):  # type: ignore[misc]  # untyped library
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> Any:
        room = to or room
        if callback is None and skip_sid is None and isinstance(room, str):
            recipients = list(self.get_participants(namespace, room))
            if len(recipients) == 1:
                args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
                pkt = self.server.packet_class(
                    sio_packet.EVENT, namespace=namespace, data=[event, *args]
                )
                encoded = pkt.encode()
                _sid, eio_sid = recipients[0]
                for part in encoded if isinstance(encoded, list) else [encoded]:
                    await self.server._send_eio_packet(
                        eio_sid, eio_packet.Packet(eio_packet.MESSAGE, part)
                    )
                return None
        return await super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs
        )


class LocalManager(_DirectDelivery):
    """One process: the default manager, with direct delivery."""


class RedisManager(socketio.AsyncRedisManager, _DirectDelivery):  # type: ignore[misc]
    """Scale-out: events published through Redis; each process delivers its own
    sockets' copy directly (the pub/sub manager's local delivery calls this `emit`)."""
