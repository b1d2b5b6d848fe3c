import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ChatMessage, OutboxEntry } from '@/types/chat'
import type { SendAck } from '@/types/events'
import { arrange, newClientMessageId } from '@/utils/conversation'
import { ACK_TIMEOUT_MS, SESSION_CODES, useConnectionStore } from './connection'
import { useConversationsStore } from './conversations'

export function outboxKey(userId: string): string {
  return `agents.outbox.${userId}`
}

export function readOutbox(userId: string): OutboxEntry[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(outboxKey(userId)) ?? '[]')
    return Array.isArray(parsed) ? (parsed as OutboxEntry[]).filter((e) => e?.clientMessageId && e.text) : []
  } catch {
    return []
  }
}

/** Read, change, write: another tab of the same account may have added its own entries. */
function writeThrough(userId: string | null, change: (stored: OutboxEntry[]) => OutboxEntry[]): void {
  if (!userId) return
  const next = change(readOutbox(userId))
  if (next.length) localStorage.setItem(outboxKey(userId), JSON.stringify(next))
  else localStorage.removeItem(outboxKey(userId))
}

/**
 * The person's messages the server has not acknowledged yet. Each keeps its
 * clientMessageId, so sending one again (after a drop, a reload, from another tab) is
 * acknowledged as a duplicate by the server instead of being stored or answered twice.
 * Kept in localStorage per account until acknowledged.
 */
export const useOutboxStore = defineStore('outbox', () => {
  const connection = useConnectionStore()
  const conversations = useConversationsStore()
  const userId = ref<string | null>(null)
  const entries = ref<OutboxEntry[]>([])

  /** How many messages wait for the server (shown while the connection is down). */
  const waiting = computed(() => entries.value.length)

  /** Takes over the account's stored entries and shows them in their conversations. */
  function load(id: string): void {
    userId.value = id
    entries.value = readOutbox(id)
    for (const entry of entries.value) conversations.showPending(entry)
  }

  /** Signed out: forget in memory; the stored copy waits for the same account. */
  function unload(): void {
    userId.value = null
    entries.value = []
  }

  function keep(entry: OutboxEntry): void {
    if (!entries.value.some((e) => e.clientMessageId === entry.clientMessageId)) entries.value.push(entry)
    writeThrough(userId.value, (stored) =>
      stored.some((e) => e.clientMessageId === entry.clientMessageId) ? stored : [...stored, entry],
    )
  }

  function drop(clientMessageId: string): void {
    entries.value = entries.value.filter((e) => e.clientMessageId !== clientMessageId)
    writeThrough(userId.value, (stored) => stored.filter((e) => e.clientMessageId !== clientMessageId))
  }

  /** The server has the message (its ack, its echo, or a history page said so). */
  function acknowledged(clientMessageId: string): void {
    if (entries.value.some((e) => e.clientMessageId === clientMessageId)) drop(clientMessageId)
  }

  function settle(message: ChatMessage, ack: SendAck): void {
    if (ack.ok) {
      acknowledged(message.clientMessageId!)
      if (message.id === null) message.id = ack.messageId
      if (message.status === 'sending') message.status = 'sent'
      arrange(conversations.conversation(message.agentKey, message.contactId))
    } else if (SESSION_CODES.has(ack.error.code)) {
      message.status = 'queued' // the session is being renewed; it goes again on reconnect
    } else {
      // Refused for good (too long, rate limited...): shown as failed, with a retry button.
      acknowledged(message.clientMessageId!)
      message.status = 'failed'
      message.error = ack.error.message
    }
  }

  async function deliver(message: ChatMessage): Promise<void> {
    const socket = connection.live()
    if (!socket || !message.clientMessageId) {
      message.status = 'queued'
      return
    }
    message.status = 'sending'
    message.error = undefined
    message.attempt += 1
    const attempt = message.attempt
    const owner = userId.value
    let ack: SendAck
    try {
      ack = await conversations.withAck(message.agentKey, message.contactId, () =>
        socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:send', {
          agentKey: message.agentKey,
          contactId: message.contactId,
          message: message.text,
          clientMessageId: message.clientMessageId,
        }),
      )
    } catch {
      if (message.attempt !== attempt) return // a drop re-queued it meanwhile
      // Still in the outbox: the server may have it; a later send is deduplicated.
      message.status = socket.connected ? 'failed' : 'queued'
      if (message.status === 'failed') message.error = 'timeout'
      return
    }
    // An ack that lands after sign-out belongs to a forgotten account: it must not bring
    // that account's conversation back into the next one's view.
    if (userId.value !== owner) return
    if (message.attempt === attempt) settle(message, ack)
  }

  /** Sends everything queued, one at a time, in the order it was typed. */
  async function flush(): Promise<void> {
    for (const entry of [...entries.value].sort((a, b) => a.timestamp - b.timestamp)) {
      const message = conversations.showPending(entry)
      if (message.status === 'sent' && message.id !== null) acknowledged(entry.clientMessageId)
      else if (message.status === 'queued') await deliver(message)
    }
  }

  function send(agentKey: string, contactId: string, text: string): ChatMessage | null {
    const body = text.trim()
    if (!body) return null
    const entry: OutboxEntry = { clientMessageId: newClientMessageId(), agentKey, contactId, text: body, timestamp: Date.now() }
    keep(entry)
    const conv = conversations.conversation(agentKey, contactId)
    conv.suggestions = []
    conv.error = null
    const message = conversations.showPending(entry)
    void deliver(message)
    return message
  }

  /** Sends again with the same clientMessageId: the server keeps one copy. */
  function retry(message: ChatMessage): Promise<void> {
    const conv = conversations.conversation(message.agentKey, message.contactId)
    const live = conv.messages.find((m) => m.key === message.key) ?? message
    live.replyError = undefined
    conv.error = null
    if (!live.clientMessageId) return Promise.resolve()
    const { clientMessageId, agentKey, contactId, text, timestamp } = live
    keep({ clientMessageId, agentKey, contactId, text, timestamp })
    return deliver(live)
  }

  /** What was in flight may or may not have arrived: it goes again on reconnect. */
  function onDisconnected(): void {
    for (const entry of entries.value) {
      const message = conversations.showPending(entry)
      if (message.status === 'sending') {
        message.status = 'queued'
        message.attempt += 1
      }
    }
  }

  return { userId, entries, waiting, load, unload, acknowledged, deliver, flush, send, retry, onDisconnected }
})
