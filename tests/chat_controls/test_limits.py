"""The composer's length limit comes from the server: the same one the core enforces."""

from __future__ import annotations

from tests.bots.helpers import call
from tests.chat_controls.helpers import send
from tests.conftest import Connect
from tests.support.servers import ServerProcess


async def test_the_agents_list_tells_the_longest_message_the_server_takes(
    online_server: ServerProcess, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)

    listed = (await call(account, "GET", "/agents")).json()

    limit = listed["maxMessageChars"]
    assert limit == 2000  # MAX_MESSAGE_CHARS of the test server
    at_limit = await client.emit("agent:send", send("x" * limit))
    over = await client.emit("agent:send", send("x" * (limit + 1)))
    assert at_limit["ok"] is True
    assert over["ok"] is False and over["error"]["code"] == "message_too_long"
