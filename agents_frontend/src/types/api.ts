/**
 * REST shapes. Every body is generated from the backend's models (`wire.ts`,
 * `npm run types`); this module gives them the names the SPA uses.
 */
import type * as Wire from './wire'

export type {
  AgentList,
  AgentPublic,
  ErrorResponse,
  ProfileUpdate,
  TokenPair,
  UserCreate,
  UserPublic,
} from './wire'

export type AvailableSlot = Wire.Slot
export type AvailableSlots = Wire.SlotList
/** `GET /calendar/booking-days`: the days a slot picker offers. */
export type BookingDays = Wire.BookingDaysPublic
/** `BotPublic`: the stored OpenAI key never comes back, only `hasOpenaiKey`. */
export type CustomBot = Wire.BotPublic
export type BotTemplate = Wire.BotTemplatePublic
/** `GET /custom-bots/models`: what a bot's `model` may be, and the server's default. */
export type BotModels = Wire.BotModelList

/** `BotCreate` / `BotUpdate`: the public fields a person edits (read-only ones are a 422
 * if sent back), plus the key; no `openaiApiKey` means "keep the stored one". */
export type CustomBotInput = Omit<
  CustomBot,
  'key' | 'hasOpenaiKey' | 'openaiAccount' | 'created_at' | 'updated_at'
> & { openaiApiKey?: string }

/** A history page: `agent:message` payloads, oldest first, and the replies still
 * streaming when it was read (their text so far). */
export type MessagePage = Wire.MessagePage
export type StreamingReply = Wire.StreamingReply

/** A bot's publication (`GET|PUT /custom-bots/{key}/public`): its share link and widget. */
export type Publication = Wire.PublicationPublic
export type PublicationInput = Wire.PublicationUpdate

/** A workspace's visitor conversations (`GET /inbox/conversations`), newest activity
 * first: the row an `inbox:conversation` event replaces, plus the caller's `unread`. */
export type InboxConversation = Wire.InboxConversation
export type InboxListItem = Wire.InboxListItem
export type InboxConversationList = Wire.InboxConversationList
export type InboxConversationDetail = Wire.InboxConversationDetail
export type InboxMessagePage = Wire.InboxMessagePage
export type ConversationStatus = Wire.InboxConversation['status']
export type HumanMessageIn = Wire.HumanMessageIn

/** The workspaces a person works in (their own first) and each one's teammates. */
export type Workspace = Wire.WorkspaceOut
export type WorkspaceRole = Wire.WorkspaceOut['role']
export type Member = Wire.MemberOut
export type MemberInvite = Wire.MemberInvite

/** A workspace's signed webhooks (`/webhooks`): endpoints and each one's delivery log. */
export type WebhookEndpoint = Wire.WebhookPublic
/** What POST /webhooks answers: the endpoint and its signing secret, shown this once. */
export type WebhookCreated = Wire.WebhookCreated
export type WebhookInput = Wire.WebhookCreate
export type WebhookEventType = Wire.WebhookEventType
export type WebhookDelivery = Wire.WebhookDeliveryPublic
export type WebhookDeliveryStatus = Wire.WebhookDeliveryStatus

/** The owner's own Google Calendar (`/calendar/google`): whether bookings go there. */
export type GoogleCalendarStatus = Wire.GoogleCalendarStatus
export type GoogleCalendarDisconnected = Wire.GoogleCalendarDisconnected
