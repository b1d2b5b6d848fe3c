/**
 * The Socket.IO contract. Every payload type is generated from the backend's models
 * (`agents_backend/contract.py` -> `wire.ts`, `npm run types`); this module only names
 * the unions the SPA works with.
 */
import type * as Wire from './wire'

export type {
  AgentErrorEvent,
  AgentMessageEvent,
  AutoCreateUpdatedEvent,
  BookedEvent,
  ClientToServerEvents,
  ConversationPayload,
  ScheduleCancelledEvent,
  ScheduleConfirmedEvent,
  ScheduleConfirmPayload,
  SendPayload,
  ServerToClientEvents,
  SessionEndedEvent,
  SetAutoCreatePayload,
  ShowSlotPickerEvent,
  StreamEvent,
  SuggestionsEvent,
  SupersededEvent,
  SummaryEvent,
  Task,
  TaskCreatedEvent,
  ToolCallRecord,
  ToolStatusEvent,
  TypingEvent,
  AckError,
  InboxConversationEvent,
  InboxHandoffEvent,
  InboxMessageEvent,
  InboxStreamEvent,
  InboxToolStatusEvent,
  InboxTypingEvent,
} from './wire'

export type Author = Wire.AgentMessageEvent['author']
/** A function an agent may call while writing a reply. */
export type ToolName = Wire.ToolCallRecord['name']
/** The tool sets a bot may be given (`tools` on a bot). */
export type ToolSet = Wire.BotPublic['tools'][number]

export interface ConversationRef {
  agentKey: string
  contactId: string
}

export type SendAck = Wire.SendAck | Wire.AckError
export type AutoCreateAck = Wire.AutoCreateAck | Wire.AckError
export type PlainAck = Wire.OkAck | Wire.ScheduleAck | Wire.AckError
