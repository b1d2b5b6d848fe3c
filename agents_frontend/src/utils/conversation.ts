/**
 * How one conversation's message list changes, as plain functions over a `Conversation`
 * (the stores hold the state; these hold the rules, and unit tests check them directly).
 */
import { type ChatMessage, type Conversation, type OutboxEntry, fromEvent } from '@/types/chat'
import type { StreamingReply } from '@/types/api'
import type { AgentMessageEvent, StreamEvent, ToolName, ToolStatusEvent } from '@/types/events'

export function conversationId(agentKey: string, contactId: string): string {
  return `${agentKey}\u0000${contactId}`
}

/** A website visitor's conversation (its contactId), as the server names them. */
export function isVisitorConversation(contactId: string | null | undefined): boolean {
  return typeof contactId === 'string' && contactId.startsWith('visitor:')
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
    toolActivity: {},
  }
}

export function byTime(a: ChatMessage, b: ChatMessage): number {
  // Unsent messages, and replies streaming for a question not shown, sit after
  // everything the server has ordered.
  const pendingA = a.id === null || (a.status === 'streaming' && a.sortAt === undefined)
  const pendingB = b.id === null || (b.status === 'streaming' && b.sortAt === undefined)
  if (pendingA !== pendingB) return pendingA ? 1 : -1
  // A reply right after its question: a message sent while it streamed comes after it.
  const atA = a.sortAt ?? a.timestamp
  const atB = b.sortAt ?? b.timestamp
  if (atA !== atB) return atA - atB
  const replyA = a.sortAt === undefined ? 0 : 1
  const replyB = b.sortAt === undefined ? 0 : 1
  if (replyA !== replyB) return replyA - replyB
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp
  return (a.id ?? '').localeCompare(b.id ?? '')
}

/**
 * Puts the list in reading order (each reply after its question) and marks the person's
 * messages that wait for the reply streaming above them: the server answers one message
 * at a time per conversation.
 */
export function arrange(conv: Conversation): void {
  const asked = new Map<string, number>()
  for (const m of conv.messages) if (m.author === 'user' && m.id !== null) asked.set(m.id, m.timestamp)
  for (const m of conv.messages) {
    const question = m.author === 'agent' && m.replyTo ? asked.get(m.replyTo) : undefined
    if (m.sortAt !== question) m.sortAt = question
  }
  conv.messages.sort(byTime)
  markWaiting(conv)
}

/** A sent message of the person's waits while a reply to an earlier one streams, until
 * its own reply starts. */
export function markWaiting(conv: Conversation): void {
  const streaming = conv.messages.filter((m) => m.author === 'agent' && m.status === 'streaming')
  const answered = new Set(conv.messages.filter((m) => m.author === 'agent' && m.replyTo).map((m) => m.replyTo))
  const since = Math.min(
    ...streaming.map((reply) => conv.messages.find((m) => m.id === reply.replyTo)?.timestamp ?? Infinity),
  )
  for (const m of conv.messages) {
    const waiting =
      m.author === 'user' && m.id !== null && m.status === 'sent' && m.timestamp > since && !answered.has(m.id)
    if ((m.waiting ?? false) !== waiting) m.waiting = waiting || undefined
  }
}

/** Messages regenerated or edited away, and the replies streaming for them, leave the list. */
export function dropMessages(conv: Conversation, ids: readonly string[]): void {
  const gone = new Set(ids)
  const kept = conv.messages.filter((m) => !(m.id !== null && gone.has(m.id)) && !(m.replyTo && gone.has(m.replyTo)))
  if (kept.length !== conv.messages.length) conv.messages.splice(0, conv.messages.length, ...kept)
  endToolActivity(conv, (replyId, replyTo) => gone.has(replyId) || gone.has(replyTo))
  markWaiting(conv)
}

/** The agent's reply streaming now in this conversation, if any (what Stop stops). */
export function streamingReply(conv: Conversation): ChatMessage | undefined {
  return conv.messages.find((m) => m.author === 'agent' && m.status === 'streaming')
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
  // The stored reply is here: whatever tool it was using is done.
  if (event.author !== 'user') endToolActivity(conv, (reply) => reply === event.id)
  const existing = findMessage(conv, event)
  const data = fromEvent(event)
  if (existing) {
    const keepReplyError = existing.replyError
    Object.assign(existing, data, { error: undefined, replyError: keepReplyError })
    arrange(conv)
    return existing
  }
  const key = event.clientMessageId ? `c:${event.clientMessageId}` : `m:${event.id}`
  conv.messages.push({ ...data, key, attempt: 0 })
  arrange(conv)
  return conv.messages.find((m) => m.key === key)!
}

/**
 * `agent:tool-status`: a call starts (its tool joins the reply's status line) or returns
 * (it leaves; the line goes when nothing is running). A late "started" for a reply that
 * is stored already is ignored.
 */
export function applyToolStatus(conv: Conversation, event: ToolStatusEvent): void {
  const stored = conv.messages.some((m) => m.id === event.id && m.status !== 'streaming')
  const activity = conv.toolActivity[event.id]
  if (event.running) {
    if (stored) return
    if (activity) activity.running.push(event.tool)
    else conv.toolActivity[event.id] = { replyTo: event.replyTo, running: [event.tool] }
    return
  }
  if (!activity) return
  const at = activity.running.lastIndexOf(event.tool)
  if (at >= 0) activity.running.splice(at, 1)
  if (!activity.running.length) delete conv.toolActivity[event.id]
}

/** Replies using a tool before their first word: their status line sits under the typing
 * indicator (a reply with text has it under its bubble). */
export function toolsBeforeText(conv: Conversation): string[] {
  return Object.keys(conv.toolActivity).filter((id) => !conv.messages.some((m) => m.id === id))
}

/** The tool the status line names for a reply: its latest call still running. */
export function runningTool(conv: Conversation, replyId: string): ToolName | null {
  const running = conv.toolActivity[replyId]?.running
  return running?.[running.length - 1] ?? null
}

/** Status lines end for the replies `done` picks (all of them without it): stored,
 * failed, or a connection dropped (what the tools did comes with the stored reply). */
export function endToolActivity(conv: Conversation, done: (replyId: string, replyTo: string) => boolean = () => true): void {
  for (const [replyId, activity] of Object.entries(conv.toolActivity)) {
    if (done(replyId, activity.replyTo)) delete conv.toolActivity[replyId]
  }
}

/**
 * A streamed delta into its reply's bubble; a delta after the final message is ignored.
 * `seq` tells a repeat (dropped) from the next piece and from a gap: a page loaded or a
 * socket reconnected mid-stream missed deltas, so this one is held and the result is
 * `true`: the caller fetches a snapshot (`applySnapshot`) that fills the gap. A higher
 * `attempt` means another server process took the reply over after the first one died,
 * so the bubble starts again from that attempt's first delta.
 */
export function appendChunk(conv: Conversation, event: StreamEvent, offline: boolean): boolean {
  const attempt = event.attempt ?? 1
  let bubble = conv.messages.find((m) => m.id === event.id)
  if (bubble) {
    if (attempt > (bubble.replyAttempt ?? 1)) restartBubble(bubble, attempt)
    if (bubble.status !== 'streaming' || attempt < (bubble.replyAttempt ?? 1)) return false
  } else {
    bubble = streamingBubble(conv, event.id, event.agentKey, event.contactId, offline, attempt, event.replyTo ?? undefined)
  }
  const next = bubble.nextSeq ?? 0
  if (event.seq < next) return false // a repeat
  if (event.seq > next) {
    bubble.heldDeltas = { ...bubble.heldDeltas, [event.seq]: event.delta }
    return true
  }
  bubble.text += event.delta
  bubble.nextSeq = next + 1
  releaseHeld(bubble)
  return false
}

/**
 * A reply's text so far, from a history page read mid-stream: the bubble takes it unless
 * it is ahead already (or the reply is stored), then continues with the deltas held.
 */
export function applySnapshot(conv: Conversation, snapshot: StreamingReply, offline: boolean): void {
  let bubble = conv.messages.find((m) => m.id === snapshot.id)
  if (bubble) {
    if (bubble.status === 'sent' && !bubble.incomplete) return // the finished reply is here
    const current = bubble.replyAttempt ?? 1
    if (bubble.status === 'streaming' && snapshot.attempt < current) return
    const ahead = bubble.status === 'streaming' && snapshot.attempt === current
    if (ahead && snapshot.nextSeq <= (bubble.nextSeq ?? 0)) return
    if (snapshot.attempt > current) bubble.heldDeltas = undefined
  } else {
    bubble = streamingBubble(conv, snapshot.id, conv.agentKey, conv.contactId, offline, snapshot.attempt, snapshot.replyTo)
  }
  Object.assign(bubble, {
    text: snapshot.text,
    nextSeq: snapshot.nextSeq,
    replyAttempt: snapshot.attempt,
    replyTo: snapshot.replyTo,
    status: 'streaming',
    incomplete: false,
  })
  releaseHeld(bubble)
  arrange(conv)
}

/**
 * No snapshot came for a bubble still waiting on a gap (the server could not keep one):
 * the deltas held are shown as they are; the stored reply replaces the text when it comes.
 */
export function giveUpOnGaps(conv: Conversation): void {
  for (const bubble of conv.messages) {
    if (!bubble.heldDeltas || bubble.status !== 'streaming') continue
    const seqs = Object.keys(bubble.heldDeltas).map(Number).sort((a, b) => a - b)
    bubble.text += seqs.map((seq) => bubble.heldDeltas![seq]).join('')
    bubble.nextSeq = seqs[seqs.length - 1]! + 1
    bubble.heldDeltas = undefined
  }
}

/** Whether any bubble of the conversation waits for a snapshot to fill a gap. */
export function hasGaps(conv: Conversation): boolean {
  return conv.messages.some((m) => m.status === 'streaming' && m.heldDeltas !== undefined)
}

function restartBubble(bubble: ChatMessage, attempt: number): void {
  Object.assign(bubble, {
    text: '',
    status: 'streaming',
    incomplete: false,
    replyAttempt: attempt,
    nextSeq: 0,
    heldDeltas: undefined,
  })
}

/** The held deltas that now follow on, in order; the ones already covered are dropped. */
function releaseHeld(bubble: ChatMessage): void {
  const held = bubble.heldDeltas
  if (!held) return
  let next = bubble.nextSeq ?? 0
  while (held[next] !== undefined) {
    bubble.text += held[next]
    next += 1
  }
  bubble.nextSeq = next
  const later = Object.entries(held).filter(([seq]) => Number(seq) >= next)
  bubble.heldDeltas = later.length ? Object.fromEntries(later) : undefined
}

function streamingBubble(
  conv: Conversation,
  id: string,
  agentKey: string,
  contactId: string,
  offline: boolean,
  attempt: number,
  replyTo?: string,
): ChatMessage {
  const key = `m:${id}`
  conv.messages.push({
    key,
    id,
    agentKey,
    contactId,
    author: 'agent',
    text: '',
    timestamp: Date.now(),
    offline,
    incomplete: false,
    replyTo,
    status: 'streaming',
    attempt: 0,
    replyAttempt: attempt,
    nextSeq: 0,
  })
  arrange(conv)
  return conv.messages.find((m) => m.key === key)!
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
  arrange(conv)
  return conv.messages.find((m) => m.clientMessageId === entry.clientMessageId)!
}
