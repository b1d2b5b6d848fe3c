/**
 * The Socket.IO contract, mirroring `agents_backend/events.py` (client payloads) and what
 * `agents_backend/agents/core.py` and `domain.ChatMessage.to_event()` emit.
 */

export type Author = 'user' | 'agent' | 'system'

/** `ChatMessage.to_event()`: the `agent:message` payload, also a history page item. */
export interface AgentMessageEvent {
  agentKey: string
  contactId: string
  id: string
  author: Author
  text: string
  /** Epoch milliseconds. */
  timestamp: number
  offline: boolean
  nlp?: Record<string, unknown>
  clientMessageId?: string
  replyTo?: string
  incomplete?: boolean
}

export interface ConversationRef {
  agentKey: string
  contactId: string
}

export interface TypingEvent extends ConversationRef {
  typing: boolean
}

export interface StreamEvent extends ConversationRef {
  id: string
  delta: string
}

export interface SuggestionsEvent extends ConversationRef {
  replyTo: string
  suggestions: string[]
}

export interface ShowSlotPickerEvent extends ConversationRef {
  messageId: string
  email: string | null
  phone: string | null
  /** YYYY-MM-DD or null. */
  suggestedDate: string | null
  /** HH:MM or null. */
  suggestedTime: string | null
}

export interface AutoCreateUpdatedEvent {
  agentKey: string
  autoCreate: boolean
}

export interface SummaryEvent extends ConversationRef {
  summary: string
  offline?: boolean
}

/** `SchedulingService.booking_public()`. */
export interface BookedEvent {
  id: string
  agentKey: string
  contactId: string
  /** ISO 8601 with the calendar's offset. */
  start: string
  end: string
  date: string
  time: string
  endTime: string
  durationMinutes: number
  timezone: string
  email: string
  phone: string | null
  status: string
  calendar: string
  htmlLink: string | null
  createdAt: string
}

export interface ScheduleConfirmedEvent extends ConversationRef {
  event: BookedEvent
}

/** `TaskPublic` (camelCase). */
export interface Task {
  id: string
  title: string
  status: string
  dueDate: string | null
  agentKey: string | null
  contactId: string | null
  sourceMessageId: string | null
  source: string
  createdAt: string
  updatedAt: string
}

export interface TaskCreatedEvent extends ConversationRef {
  task: Task
}

/** `agent:error`: scope is null when the refused payload had none. */
export interface AgentErrorEvent {
  agentKey?: string | null
  contactId?: string | null
  error: string
  code: string
  messageId?: string
}

// -- client -> server payloads (events.py) -------------------------------------------

export interface SendPayload extends ConversationRef {
  message: string
  clientMessageId?: string
}

export interface SetAutoCreatePayload {
  agentKey: string
  autoCreate: boolean
}

export type ConversationPayload = ConversationRef

export interface ScheduleConfirmPayload extends ConversationRef {
  date: string
  time: string
  email: string
  phone: string
  durationMinutes?: number
}

export interface AckError {
  ok: false
  error: { code: string; message: string }
}

export type SendAck = { ok: true; messageId: string; duplicate?: boolean } | AckError
export type AutoCreateAck = ({ ok: true } & AutoCreateUpdatedEvent) | AckError
export type PlainAck = { ok: true; [key: string]: unknown } | AckError

export interface ServerToClientEvents {
  'agent:message': (event: AgentMessageEvent) => void
  'agent:typing': (event: TypingEvent) => void
  'agent:stream': (event: StreamEvent) => void
  'agent:suggestions': (event: SuggestionsEvent) => void
  'agent:show-slot-picker': (event: ShowSlotPickerEvent) => void
  'agent:auto-create-updated': (event: AutoCreateUpdatedEvent) => void
  'agent:summary': (event: SummaryEvent) => void
  'agent:schedule-confirm': (event: ScheduleConfirmedEvent) => void
  'agent:task-created': (event: TaskCreatedEvent) => void
  'agent:error': (event: AgentErrorEvent) => void
}

export interface ClientToServerEvents {
  'agent:send': (payload: SendPayload, ack: (answer: SendAck) => void) => void
  'agent:set-auto-create': (
    payload: SetAutoCreatePayload,
    ack: (answer: AutoCreateAck) => void,
  ) => void
  'agent:request-summary': (payload: ConversationPayload, ack: (answer: PlainAck) => void) => void
  'agent:schedule-confirm': (
    payload: ScheduleConfirmPayload,
    ack: (answer: PlainAck) => void,
  ) => void
}
