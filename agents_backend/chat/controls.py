"""The person's reply controls: stop the reply streaming, regenerate the last reply,
edit a message they sent (`agent:stop`, `agent:regenerate`, `agent:edit`).

Nothing is deleted. A regenerated reply, and an edited message with everything after
it, stay in the data marked `superseded` (chat/revisions.py) and every tab of the
person is told to drop them (`agent:superseded`); no history, context or summary reads
them again. A reply is only ever stopped for the person whose conversation it is: the
stop names the conversation, which includes their user id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId

from agents_backend.chat import revisions
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.reply import STOPPED_BY_PERSON, SUPERSEDED_BY_EDIT, ReplyRun
from agents_backend.chat.stops import ReplyStops
from agents_backend.chat.streams import ConversationKey
from agents_backend.chat.turns import ConversationTurns
from agents_backend.contract import (
    EditPayload,
    ErrorCode,
    RegenerateAck,
    ReplyPayload,
    SendAck,
    SendPayload,
    StopAck,
    SupersededEvent,
)
from agents_backend.core.database import Database
from agents_backend.core.emitter import Ack, Emitter
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser

if TYPE_CHECKING:
    from agents_backend.chat.service import AgentCore

# How long an edit waits for the replies it stopped to keep what they streamed, before
# it marks the rest of the conversation superseded a second time.
SETTLE_SECONDS = 5.0


class ReplyControls:
    def __init__(
        self, core: AgentCore, *, db: Database, stops: ReplyStops, turns: ConversationTurns
    ) -> None:
        self._core = core
        self._db = db
        self._stops = stops
        self._turns = turns

    async def stop(self, user: SessionUser, payload: ReplyPayload) -> Ack:
        """`stopped`: whether a reply of the person's was cut. One streaming here is cut
        at once; one on another process is cut there (Redis), if its question is still
        being answered."""
        conversation = ConversationKey(user.id, payload.agent_key, payload.contact_id)
        stopped = await self._stops.stop_reply(conversation, payload.reply_id, STOPPED_BY_PERSON)
        if not stopped:
            question = await revisions.question_generating(
                db=self._db, user_id=user.id, reply_id=payload.reply_id
            )
            stopped = question is not None and (question.agent_key, question.contact_id) == (
                payload.agent_key,
                payload.contact_id,
            )
        return StopAck(stopped=stopped).to_wire()

    async def regenerate(self, user: SessionUser, payload: ReplyPayload, emitter: Emitter) -> Ack:
        """The conversation's last reply is superseded and its question answered anew."""
        if not self._core.has_capacity():
            raise AgentError(ErrorCode.BUSY, retry_after=1)
        agent, route = await self._core.answerer(user, payload.agent_key)
        newest = await revisions.newest_exchange_message(
            db=self._db, user_id=user.id, agent_key=agent.key, contact_id=payload.contact_id
        )
        if newest is None or newest.id != payload.reply_id or newest.reply_to is None:
            await self._require_reply(user, agent.key, payload)
            raise AgentError(ErrorCode.NOT_LAST_REPLY)
        question = await revisions.reopen_question(
            db=self._db, message_id=newest.reply_to, lease=self._core.reply_services.lease()
        )
        if question is None:  # its reply is being generated again already
            raise AgentError(ErrorCode.NOT_LAST_REPLY)
        await revisions.supersede_reply(db=self._db, reply_id=newest.id)
        await emitter.to_user(
            user.id,
            SupersededEvent(agent_key=agent.key, contact_id=payload.contact_id, ids=[newest.id]),
        )
        nlu = self._core.nlu_of(question)
        services = self._core.reply_services
        self._core.start_reply(ReplyRun(services, user, agent, question, nlu, emitter, route))
        return RegenerateAck(message_id=question.id).to_wire()

    async def _require_reply(
        self, user: SessionUser, agent_key: str, payload: ReplyPayload
    ) -> None:
        """An id that is no agent reply of this conversation is not found (never a hint
        that it exists elsewhere)."""
        found = await revisions.find_message(
            db=self._db,
            user_id=user.id,
            agent_key=agent_key,
            contact_id=payload.contact_id,
            message_id=payload.reply_id,
        )
        if found is None or found.author != "agent":
            raise AgentError(ErrorCode.MESSAGE_NOT_FOUND)

    async def edit(self, user: SessionUser, payload: EditPayload, emitter: Emitter) -> Ack:
        """The edited message and what followed are superseded (a reply streaming is
        stopped first), and the new text is sent as a message of its own."""
        send = SendPayload.model_validate(
            {
                "agentKey": payload.agent_key,
                "contactId": payload.contact_id,
                "message": payload.message,
                "clientMessageId": payload.client_message_id,
            }
        )
        self._core.admit(send)
        agent, route = await self._core.answerer(user, payload.agent_key)
        resent = await revisions.by_client_message_id(
            db=self._db, user_id=user.id, client_message_id=payload.client_message_id
        )
        if resent is not None:  # the same edit again: already done once
            if (resent.agent_key, resent.contact_id) != (agent.key, payload.contact_id):
                raise AgentError(ErrorCode.CLIENT_MESSAGE_ID_REUSED)
            return SendAck(message_id=resent.id, duplicate=True).to_wire()
        target = await revisions.find_message(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            message_id=payload.message_id,
        )
        if target is None or target.author != "user":
            raise AgentError(ErrorCode.MESSAGE_NOT_FOUND)
        ids = await self._supersede_from(
            target, ConversationKey(user.id, agent.key, target.contact_id)
        )
        await emitter.to_user(
            user.id, SupersededEvent(agent_key=agent.key, contact_id=target.contact_id, ids=ids)
        )
        accepted = await self._core.accept(user, agent, send, emitter, route=route, edits=target.id)
        return accepted.ack

    async def _supersede_from(
        self, target: ChatMessage, conversation: ConversationKey
    ) -> list[str]:
        """First marked (so a reply taken over elsewhere finds its question answered),
        then the replies under way stopped, then marked again: what those replies stored
        as they stopped is superseded as well."""
        tag = str(ObjectId())
        await revisions.supersede_from(db=self._db, anchor=target, tag=tag)
        await self._stops.stop(conversation, SUPERSEDED_BY_EDIT)
        await self._turns.settle(conversation, timeout=SETTLE_SECONDS)
        return await revisions.supersede_from(db=self._db, anchor=target, tag=tag)
