import type { AgentMessageEvent, Author, BookedEvent, ShowSlotPickerEvent, Task, ToolCallRecord, ToolName } from './events'

/**
 * How a message stands on this client. `queued`: typed while disconnected, sent on
 * reconnect; `sending`: awaiting the ack; `streaming`: an agent reply still arriving.
 */
export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'streaming'

export interface ChatMessage {
  /** Stable render key: kept when the optimistic copy becomes the server's copy. */
  key: string
  id: string | null
  clientMessageId?: string
  agentKey: string
  contactId: string
  author: Author
  /** Who of the owner's team wrote it (author `human`). */
  authorName?: string
  text: string
  timestamp: number
  offline: boolean
  incomplete: boolean
  /** A reply the person stopped while it streamed: its text so far, kept as it is. */
  stopped?: boolean
  replyTo?: string
  /** A reply sits right after its question (its `timestamp` when the question is shown),
   * even when a message sent while it streamed was stored before it. */
  sortAt?: number
  /** The person's message waits for the reply streaming above to end before its own
   * reply starts (one reply at a time per conversation). */
  waiting?: boolean
  status: DeliveryStatus
  /** Why sending failed (status `failed`). */
  error?: string
  /** The agent could not answer this (own) message; retry asks again. */
  replyError?: string
  /** Which delivery attempt is current, so a stale ack cannot overwrite a newer one. */
  attempt: number
  /** A streamed reply: which server attempt is streaming it, and the next delta's `seq`. */
  replyAttempt?: number
  nextSeq?: number
  /** Deltas that came after a gap (by `seq`), held until a snapshot fills the gap. */
  heldDeltas?: Record<number, string>
  /** The tools the agent used for this (stored) reply, in the order it called them. */
  toolCalls?: ToolCallRecord[]
}

/** The tools an agent is using right now for one reply it is writing (the status line). */
export interface ToolActivity {
  /** The person's message the reply answers. */
  replyTo: string
  /** The calls under way, oldest first (the line names the latest). */
  running: ToolName[]
}

export interface ConversationError {
  message: string
  code: string
}

export interface Conversation {
  agentKey: string
  contactId: string
  messages: ChatMessage[]
  loaded: boolean
  loading: boolean
  loadingOlder: boolean
  hasMore: boolean
  typing: boolean
  suggestions: string[]
  error: ConversationError | null
  slotRequest: ShowSlotPickerEvent | null
  summary: { text: string; offline: boolean } | null
  summaryLoading: boolean
  bookings: BookedEvent[]
  tasks: Task[]
  /** Tools in use, by the id of the reply being written (`agent:tool-status`). */
  toolActivity: Record<string, ToolActivity>
}

/**
 * `renewing`: the server ended the session (token expired) and the app is reconnecting
 * with a fresh token; unlike `disconnected` it is not shown, it takes a moment.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'renewing' | 'disconnected'

/** A message the server has not acknowledged yet, as kept in this browser per account. */
export interface OutboxEntry {
  clientMessageId: string
  agentKey: string
  contactId: string
  text: string
  timestamp: number
}

export function fromEvent(event: AgentMessageEvent): Omit<ChatMessage, 'key' | 'attempt'> {
  return {
    id: event.id,
    clientMessageId: event.clientMessageId ?? undefined,
    agentKey: event.agentKey,
    contactId: event.contactId,
    author: event.author,
    authorName: event.authorName ?? undefined,
    text: event.text,
    timestamp: event.timestamp,
    offline: event.offline,
    incomplete: event.incomplete ?? false,
    stopped: event.stopped ?? undefined,
    replyTo: event.replyTo ?? undefined,
    toolCalls: event.toolCalls?.length ? event.toolCalls : undefined,
    status: 'sent',
  }
}
