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
  TypingEvent,
  AckError,
  InboxConversationEvent,
  InboxHandoffEvent,
  InboxMessageEvent,
  InboxStreamEvent,
  InboxTypingEvent,
} from './wire'

export type Author = Wire.AgentMessageEvent['author']

export interface ConversationRef {
  agentKey: string
  contactId: string
}

export type SendAck = Wire.SendAck | Wire.AckError
export type AutoCreateAck = Wire.AutoCreateAck | Wire.AckError
export type PlainAck = Wire.OkAck | Wire.ScheduleAck | Wire.AckError
