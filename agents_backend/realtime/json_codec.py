"""A module-like JSON codec for python-socketio and python-engineio, backed by orjson.

`socketio.AsyncServer(json=...)` takes any object with `dumps` and `loads` returning and
taking `str`. Every emit encodes its payload, so the stdlib encoder was a visible slice
of the chat path; orjson does the same work several times faster. Anything orjson
refuses (a NaN literal from a client, an int beyond 64 bits) falls back to the stdlib,
so what the server accepts and sends does not change.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import socketio


class OrjsonCodec:
    """Stands in for the `json` module; the keyword arguments the libraries pass
    (`separators=(',', ':')`) are orjson's compact output already."""

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        try:
            return orjson.dumps(obj).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return json.dumps(obj, **kwargs)

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text, **kwargs)


CODEC = OrjsonCodec()


class OrjsonPacket(socketio.packet.Packet):  # type: ignore[misc]  # untyped library
    """The library's packet, with its binary scan done by orjson.

    Before encoding, every packet walks its payload in Python (a reduce over every dict
    and list) to find `bytes` that would need binary attachments; for the chat path's
    nested payloads that walk cost more than the encoding. orjson refuses `bytes`, so a
    payload it can encode has none, and only one it refuses is walked the library's way.
    The payload is encoded twice (here, then by `encode`); for these small payloads the
    extra orjson pass costs about a microsecond, against tens for the walk.
    """

    json = CODEC

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        if data is None:
            return False
        try:
            orjson.dumps(data)
        except TypeError:
            return bool(super().data_is_binary(data))
        return False
