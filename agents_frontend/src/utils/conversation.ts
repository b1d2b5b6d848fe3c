/**
 * How one conversation's message list changes, as plain functions over a `Conversation`
 * (the stores hold the state; these hold the rules, and unit tests check them directly).
 */
import { type ChatMessage, type Conversation, type OutboxEntry, fromEvent } from '@/types/chat'
import type { AgentMessageEvent, StreamEvent } from '@/types/events'

export function conversationId(agentKey: string, contactId: string): string {
  return `${agentKey}\u0000${contactId}`
}

export function newClientMessageId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

export function emptyConversation(agentKey: string, contactId: string): Conversation {
  return {
    agentKey,
    contactId,
    messages: [],
    loaded: false,
    loading: false,
    loadingOlder: false,
    hasMore: false,
    typing: false,
    suggestions: [],
    error: null,
    slotRequest: null,
    summary: null,
    summaryLoading: false,
    bookings: [],
    tasks: [],
  }
}

export function byTime(a: ChatMessage, b: ChatMessage): number {
  // Unsent and still-streaming messages sit after everything the server has ordered.
  const pendingA = a.id === null || a.status === 'streaming'
  const pendingB = b.id === null || b.status === 'streaming'
  if (pendingA !== pendingB) return pendingA ? 1 : -1
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp
  return (a.id ?? '').localeCompare(b.id ?? '')
}

export function findMessage(
  conv: Conversation,
  event: { id?: string | null; clientMessageId?: string | null },
): ChatMessage | undefined {
  return conv.messages.find(
    (m) =>
      (event.id != null && m.id === event.id) ||
      (event.clientMessageId !== undefined && m.clientMessageId === event.clientMessageId),
  )
}

/** The server's copy wins; an optimistic or streamed copy is updated in place (same key). */
export function upsertMessage(conv: Conversation, event: AgentMessageEvent): ChatMessage {
  const existing = findMessage(conv, event)
  const data = fromEvent(event)
  if (existing) {
    const keepReplyError = existing.replyError
    Object.assign(existing, data, { error: undefined, replyError: keepReplyError })
    conv.messages.sort(byTime)
    return existing
  }
  const key = event.clientMessageId ? `c:${event.clientMessageId}` : `m:${event.id}`
  conv.messages.push({ ...data, key, attempt: 0 })
  conv.messages.sort(byTime)
  return conv.messages.find((m) => m.key === key)!
}

/** Grows the streaming bubble of a reply; a chunk after the final message is ignored. */
/**
 * A streamed delta into its reply's bubble. `seq` tells a repeat (dropped) from the next
 * piece; a higher `attempt` means another server process took the reply over after the
 * first one died, so the bubble starts again from that attempt's first delta.
 */
export function appendChunk(conv: Conversation, event: StreamEvent, offline: boolean): void {
  const attempt = event.attempt ?? 1
  const existing = conv.messages.find((m) => m.id === event.id)
  if (existing) {
    if (attempt > (existing.replyAttempt ?? 1)) {
      Object.assign(existing, { text: '', status: 'streaming', incomplete: false, replyAttempt: attempt, nextSeq: 0 })
    }
    if (existing.status !== 'streaming' || attempt < (existing.replyAttempt ?? 1)) return
    if (event.seq < (existing.nextSeq ?? 0)) return
    existing.text += event.delta
    existing.nextSeq = event.seq + 1
    return
  }
  conv.messages.push({
    key: `m:${event.id}`,
    id: event.id,
    agentKey: event.agentKey,
    contactId: event.contactId,
    author: 'agent',
    text: event.delta,
    timestamp: Date.now(),
    offline,
    incomplete: false,
    status: 'streaming',
    attempt: 0,
    replyAttempt: attempt,
    nextSeq: event.seq + 1,
  })
}

/** The person's own message before the server has it: shown at once, `queued` to send. */
export function pendingMessage(entry: OutboxEntry): ChatMessage {
  return {
    key: `c:${entry.clientMessageId}`,
    id: null,
    clientMessageId: entry.clientMessageId,
    agentKey: entry.agentKey,
    contactId: entry.contactId,
    author: 'user',
    text: entry.text,
    timestamp: entry.timestamp,
    offline: false,
    incomplete: false,
    status: 'queued',
    attempt: 0,
  }
}

/** Adds an outbox entry to its conversation unless it is there already (by clientMessageId). */
export function placePending(conv: Conversation, entry: OutboxEntry): ChatMessage {
  const existing = findMessage(conv, { clientMessageId: entry.clientMessageId })
  if (existing) return existing
  conv.messages.push(pendingMessage(entry))
  conv.messages.sort(byTime)
  return conv.messages.find((m) => m.clientMessageId === entry.clientMessageId)!
}
