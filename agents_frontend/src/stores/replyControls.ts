import { defineStore } from 'pinia'
import type { ChatMessage } from '@/types/chat'
import type { SupersededEvent } from '@/types/events'
import { dropMessages, newClientMessageId, streamingReply } from '@/utils/conversation'
import { ACK_TIMEOUT_MS, useConnectionStore } from './connection'
import { useConversationsStore } from './conversations'

/**
 * The person's controls over the agent's replies: stop the one streaming, regenerate
 * the last one, edit a message they sent. The server does the work and tells every tab
 * (`agent:message` for the stopped reply, `agent:superseded` for what an edit or a
 * regenerate replaced); a refusal is shown in the conversation.
 */
export const useReplyControlsStore = defineStore('replyControls', () => {
  const connection = useConnectionStore()
  const conversations = useConversationsStore()

  /** Regenerated or edited away: every tab drops those bubbles (kept on the server). */
  function onSuperseded(event: SupersededEvent): void {
    const conv = conversations.conversation(event.agentKey, event.contactId)
    dropMessages(conv, event.ids)
    conv.suggestions = []
  }

  /** Asks the server over the socket; a refusal (or no answer) shows in the conversation. */
  async function request(
    agentKey: string,
    contactId: string,
    ask: (socket: NonNullable<ReturnType<typeof connection.live>>) => Promise<{ ok: boolean; error?: { code: string; message: string } }>,
  ): Promise<boolean> {
    const conv = conversations.conversation(agentKey, contactId)
    const socket = connection.live()
    if (!socket) {
      conv.error = { message: 'network', code: 'disconnected' }
      return false
    }
    try {
      const ack = await conversations.withAck(agentKey, contactId, () => ask(socket))
      if (!ack.ok && ack.error) conv.error = { message: ack.error.message, code: ack.error.code }
      return ack.ok
    } catch {
      conv.error = { message: 'timeout', code: 'timeout' }
      return false
    }
  }

  /** Stops the reply streaming in the conversation; its text so far stays, marked stopped. */
  function stop(agentKey: string, contactId: string): Promise<boolean> {
    const reply = streamingReply(conversations.conversation(agentKey, contactId))
    if (!reply?.id) return Promise.resolve(false)
    const replyId = reply.id
    return request(agentKey, contactId, (socket) =>
      socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:stop', { agentKey, contactId, replyId }),
    )
  }

  /** A new reply in place of the conversation's last one. */
  function regenerate(message: ChatMessage): Promise<boolean> {
    const { agentKey, contactId } = message
    if (!message.id) return Promise.resolve(false)
    const replyId = message.id
    conversations.conversation(agentKey, contactId).suggestions = []
    return request(agentKey, contactId, (socket) =>
      socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:regenerate', { agentKey, contactId, replyId }),
    )
  }

  /** The message rewritten: it and what followed are replaced, and the conversation
   * continues from the new text. A retry of the same edit is answered once. */
  function edit(message: ChatMessage, text: string): Promise<boolean> {
    const { agentKey, contactId } = message
    const body = text.trim()
    if (!message.id || !body) return Promise.resolve(false)
    const payload = { agentKey, contactId, messageId: message.id, message: body, clientMessageId: newClientMessageId() }
    conversations.conversation(agentKey, contactId).suggestions = []
    return request(agentKey, contactId, (socket) => socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:edit', payload))
  }

  return { onSuperseded, stop, regenerate, edit }
})
