/**
 * A website visitor's conversation with a published bot, over the `/public` namespace: the
 * session (token kept in this browser, history, replies still streaming), the stored
 * messages and streamed deltas (the same rules as the signed-in chat, `utils/conversation`),
 * sending with a clientMessageId resent until acknowledged, booking a meeting, unread
 * replies while the panel is hidden, and how the socket stands (refused, closed, waiting).
 */
import { defineStore } from 'pinia'
import { computed, markRaw, reactive, ref, shallowRef } from 'vue'
import type { Socket } from 'socket.io-client'
import type { ChatMessage, Conversation } from '@/types/chat'
import type {
  AgentErrorEvent,
  AgentMessageEvent,
  BookedEvent,
  PublicAgent,
  ScheduleCancelledEvent,
  ScheduleConfirmedEvent,
  ShowSlotPickerEvent,
  StreamEvent,
  SuggestionsEvent,
  ToolStatusEvent,
  TypingEvent,
  VisitorClientToServerEvents,
  VisitorClosedEvent,
  VisitorConnectAuth,
  VisitorScheduleConfirmPayload,
  VisitorServerToClientEvents,
  VisitorSessionEvent,
  VisitorSlotsAck,
} from '@/types/wire'
import {
  appendChunk,
  applySnapshot,
  applyToolStatus,
  byTime,
  emptyConversation,
  endToolActivity,
  giveUpOnGaps,
  hasGaps,
  newClientMessageId,
  placePending,
  upsertMessage,
} from '@/utils/conversation'
import type { VisitorLanguage } from './params'
import { createTokenKeeper, readRefusal, type ConnectError, type VisitorNotice, type VisitorState } from './session'

export { tokenKey, type VisitorNotice, type VisitorState } from './session'

export type VisitorSocket = Socket<VisitorServerToClientEvents, VisitorClientToServerEvents>

/** A request's refusal: the server's (`ack.error`), or `timeout` / `disconnected` here. */
export interface Failure {
  ok: false
  error: { code: string; message: string; retryAfter?: number | null }
}

export interface StartOptions {
  slug: string
  language: VisitorLanguage
  host: string | null
  /** False in the widget's iframe until the widget says it shows the panel. */
  visible: boolean
  /** The token the embedding page kept for this frame (see `TokenKeeper.forHost`). */
  handedToken?: string | null
}

/** How long a request may wait for its ack. */
export const ACK_TIMEOUT_MS = 10_000
/** Timings a test may shorten. */
export const VISITOR_TIMING = {
  /** A delta after a gap waits this long for the next session's snapshot, then shows as is. */
  gapWaitMs: 3_000,
  /** The first pause after a refusal that may pass (too many visitors); it doubles. */
  retryMs: 3_000,
  retryMaxMs: 30_000,
}

function failure(code: string): Failure {
  return { ok: false, error: { code, message: code } }
}

export const useVisitorStore = defineStore('visitor', () => {
  const slug = ref('')
  const language = ref<VisitorLanguage>('en')
  const host = ref<string | null>(null)
  const state = ref<VisitorState>('idle')
  const notice = ref<VisitorNotice | null>(null)
  const agent = ref<PublicAgent | null>(null)
  const conv = reactive<Conversation>(emptyConversation('', ''))
  /** When the session began here: the greeting's time. */
  const since = ref(Date.now())
  const visible = ref(true)
  /** Agent messages that arrived while the panel was hidden. */
  const unread = ref(0)
  const bookingOpen = ref(false)
  /** The e-mail the visitor gave, to prefill the next booking. */
  const email = ref('')
  const socket = shallowRef<VisitorSocket | null>(null)
  const token = createTokenKeeper(() => slug.value)
  /** The token for the embedding page to keep, where this frame has no storage of its own. */
  const tokenForHost = token.forHost
  let awaiting = 0
  let retries = 0
  let tokenRetried = false
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let gapTimer: ReturnType<typeof setTimeout> | null = null

  const conversationId = computed(() => conv.contactId || null)
  const ended = computed(() => state.value === 'closed' || state.value === 'refused')
  /** A conversation in progress: the widget then opens its iframe at once on the next page. */
  const active = computed(() => !ended.value && conv.messages.length > 0)
  const lastBooking = computed(() => conv.bookings[conv.bookings.length - 1] ?? null)
  /** The greeting, as the agent's first bubble at the start of the conversation. */
  const greeting = computed<ChatMessage | null>(() => {
    const text = agent.value?.greeting?.trim()
    if (!text || conv.hasMore) return null
    const first = conv.messages[0]
    if (first?.author === 'agent' && first.text.trim() === text) return null // stored already
    return {
      key: 'greeting',
      id: null,
      agentKey: conv.agentKey,
      contactId: conv.contactId,
      author: 'agent',
      text,
      timestamp: Math.min(since.value, first?.timestamp ?? since.value),
      offline: false,
      incomplete: false,
      status: 'sent',
      attempt: 0,
    }
  })

  /** Every (re)connection presents the latest token (a callback, not a copy). */
  function authPayload(): VisitorConnectAuth {
    const auth: VisitorConnectAuth = { agent: slug.value, language: language.value }
    const visitorToken = token.read()
    if (visitorToken) auth.visitorToken = visitorToken
    if (host.value) auth.host = host.value
    return auth
  }

  // -- server events -------------------------------------------------------------------

  /** A reply to the visitor: the agent's, or a person's of the owner's team. */
  function answers(event: AgentMessageEvent): boolean {
    return event.author === 'agent' || event.author === 'human'
  }

  function mine(contactId: string | null | undefined): boolean {
    return !!conv.contactId && contactId === conv.contactId
  }

  function onSession(event: VisitorSessionEvent): void {
    token.save(event.visitorToken)
    tokenRetried = false
    retries = 0
    const reconnection = conv.loaded
    if (conv.contactId && conv.contactId !== event.conversationId) {
      // A new conversation (the old one's token was refused): only unsent text carries over.
      conv.messages = conv.messages.filter((m) => m.id === null)
      Object.assign(conv, { bookings: [], suggestions: [], slotRequest: null, error: null, typing: false, toolActivity: {} })
    }
    conv.contactId = event.conversationId
    conv.agentKey = event.messages[0]?.agentKey ?? conv.agentKey
    for (const pending of conv.messages) if (pending.id === null) pending.contactId = event.conversationId
    agent.value = event.agent
    for (const message of event.messages) {
      const known = conv.messages.find((m) => m.id === message.id)
      const fresh = !known || known.status === 'streaming'
      upsertMessage(conv, message)
      // Replies that came while the connection was down are news when the panel is hidden.
      if (reconnection && fresh && answers(message) && !visible.value) unread.value += 1
    }
    for (const snapshot of event.streaming) applySnapshot(conv, snapshot, false)
    conv.hasMore = event.hasMore
    conv.loaded = true
    state.value = 'connected'
    notice.value = null
    void flush()
  }

  function onMessage(event: AgentMessageEvent): void {
    if (!mine(event.contactId)) return
    const known = conv.messages.find((m) => m.id === event.id)
    const fresh = !known || known.status === 'streaming'
    upsertMessage(conv, event)
    if (!answers(event)) return
    conv.typing = false
    const question = event.replyTo && !event.incomplete ? conv.messages.find((m) => m.id === event.replyTo) : undefined
    if (question) question.replyError = undefined
    if (fresh && !visible.value) unread.value += 1
  }

  function onStream(event: StreamEvent): void {
    if (!mine(event.contactId)) return
    if (!appendChunk(conv, event, false) || gapTimer) return
    // Deltas were missed (this socket joined mid-reply): the next session's snapshot fills
    // the gap; without one, what is held shows as it is and the stored reply replaces it.
    gapTimer = setTimeout(() => {
      gapTimer = null
      if (hasGaps(conv)) giveUpOnGaps(conv)
    }, VISITOR_TIMING.gapWaitMs)
  }

  function onTyping(event: TypingEvent): void {
    if (mine(event.contactId)) conv.typing = event.typing
  }

  /** The agent is using a tool for its reply ("Checking availability…" under it). */
  function onToolStatus(event: ToolStatusEvent): void {
    if (mine(event.contactId)) applyToolStatus(conv, event)
  }

  function onSuggestions(event: SuggestionsEvent): void {
    if (mine(event.contactId)) conv.suggestions = event.suggestions
  }

  function onSlotPicker(event: ShowSlotPickerEvent): void {
    if (!mine(event.contactId)) return
    conv.slotRequest = event
    if (event.email && !email.value) email.value = event.email
    bookingOpen.value = true
  }

  function addBooking(booking: BookedEvent): void {
    if (!conv.bookings.some((b) => b.id === booking.id)) conv.bookings.push(booking)
    conv.slotRequest = null
    bookingOpen.value = false
  }

  function onScheduled(event: ScheduleConfirmedEvent): void {
    if (mine(event.contactId)) addBooking(event.event)
  }

  /** The owner cancelled it: the chat no longer says "booked" (its System message says why). */
  function onCancelled(event: ScheduleCancelledEvent): void {
    if (mine(event.contactId)) conv.bookings = conv.bookings.filter((b) => b.id !== event.event.id)
  }

  function onError(event: AgentErrorEvent): void {
    if (event.contactId && !mine(event.contactId)) return
    if (event.code === 'reply_interrupted') return // another process continues the reply
    const answered = event.messageId ? conv.messages.find((m) => m.id === event.messageId) : undefined
    if (answered) {
      answered.replyError = event.error
      endToolActivity(conv, (_reply, replyTo) => replyTo === answered.id)
      for (const reply of conv.messages) {
        if (reply.replyTo === answered.id && reply.status === 'streaming') {
          Object.assign(reply, { status: 'sent', incomplete: true, heldDeltas: undefined })
        }
      }
      conv.typing = false
      return
    }
    // A refused request says so by its ack, where it was made.
    if (awaiting > 0) return
    conv.error = { message: event.error, code: event.code }
  }

  function onClosed(event: VisitorClosedEvent): void {
    state.value = 'closed'
    notice.value = { code: event.reason, message: event.message }
    conv.typing = false
    endToolActivity(conv)
    bookingOpen.value = false
    stopTimers()
    socket.value?.disconnect() // no reconnection: the owner took the agent offline
  }

  function onDisconnected(reason: string): void {
    conv.typing = false
    endToolActivity(conv)
    for (const message of conv.messages) {
      if (message.status === 'sending') {
        message.status = 'queued' // it may have arrived: sent again, the server keeps one
        message.attempt += 1
      }
    }
    if (ended.value) return
    state.value = 'reconnecting'
    // The client reconnects by itself after a network failure, never after the server let
    // go of the socket; a new handshake then says whether the agent is still there.
    if (reason === 'io server disconnect') retryLater()
  }

  /** A refused handshake (`connect_error`), or the network failing while the client retries. */
  function onConnectError(error: ConnectError, retrying: boolean): void {
    if (ended.value) return
    const action = readRefusal(error, retrying, tokenRetried)
    if (action.kind === 'retrying') {
      if (state.value !== 'connecting') state.value = 'reconnecting'
    } else if (action.kind === 'new-token') {
      tokenRetried = true
      token.drop()
      socket.value?.connect()
    } else if (action.kind === 'wait') {
      state.value = 'waiting'
      notice.value = action.notice
      retryLater(action.atLeastMs)
    } else {
      state.value = 'refused'
      notice.value = action.notice
      stopTimers()
    }
  }

  function retryLater(atLeastMs = 0): void {
    if (retryTimer) clearTimeout(retryTimer)
    const backoff = Math.min(VISITOR_TIMING.retryMs * 2 ** retries, VISITOR_TIMING.retryMaxMs)
    retries += 1
    retryTimer = setTimeout(() => {
      retryTimer = null
      const s = socket.value
      if (s && !ended.value && !s.connected && !s.active) s.connect()
    }, Math.max(atLeastMs, backoff))
  }

  function stopTimers(): void {
    if (retryTimer) clearTimeout(retryTimer)
    if (gapTimer) clearTimeout(gapTimer)
    retryTimer = gapTimer = null
  }

  // -- the socket ----------------------------------------------------------------------

  function bind(s: VisitorSocket): void {
    s.on('visitor:session', onSession)
    s.on('visitor:closed', onClosed)
    s.on('agent:message', onMessage)
    s.on('agent:stream', onStream)
    s.on('agent:typing', onTyping)
    s.on('agent:tool-status', onToolStatus)
    s.on('agent:suggestions', onSuggestions)
    s.on('agent:show-slot-picker', onSlotPicker)
    s.on('agent:schedule-confirm', onScheduled)
    s.on('agent:schedule-cancelled', onCancelled)
    s.on('agent:error', onError)
    s.on('disconnect', (reason) => onDisconnected(reason))
    s.on('connect_error', (error) => onConnectError(error, s.active))
  }

  /** Connects a (not yet connected) socket for this bot; events land here from now on. */
  function start(next: VisitorSocket, options: StartOptions): void {
    slug.value = options.slug
    language.value = options.language
    host.value = options.host
    visible.value = options.visible
    since.value = Date.now()
    token.handed(options.handedToken ?? null)
    if (!options.slug) {
      // Not a share link at all (`/c/` with nothing after it): nobody to connect to.
      state.value = 'refused'
      notice.value = { code: 'agent_offline', message: '' }
      return
    }
    socket.value = markRaw(next)
    next.auth = (cb) => cb(authPayload())
    bind(next)
    state.value = 'connecting'
    next.connect()
  }

  function stop(): void {
    stopTimers()
    socket.value?.off()
    socket.value?.disconnect()
  }

  /** The socket when a request can go now: connected, with its session. */
  function live(): VisitorSocket | null {
    const s = socket.value
    return s?.connected && state.value === 'connected' ? s : null
  }

  async function withAck<T>(request: (s: VisitorSocket) => Promise<T>): Promise<T | Failure> {
    const s = live()
    if (!s) return failure('disconnected')
    awaiting += 1
    try {
      return await request(s)
    } catch {
      return failure('timeout')
    } finally {
      awaiting -= 1
    }
  }

  // -- sending -------------------------------------------------------------------------

  async function deliver(message: ChatMessage): Promise<void> {
    const s = live()
    if (!s || !message.clientMessageId) {
      message.status = 'queued'
      return
    }
    message.status = 'sending'
    message.error = undefined
    message.attempt += 1
    const attempt = message.attempt
    const ack = await withAck((sock) =>
      sock.timeout(ACK_TIMEOUT_MS).emitWithAck('visitor:send', {
        message: message.text,
        clientMessageId: message.clientMessageId,
      }),
    )
    if (message.attempt !== attempt) return // a drop queued it again meanwhile
    if (ack.ok) {
      if (message.id === null) message.id = ack.messageId
      if (message.status === 'sending') message.status = 'sent'
      conv.messages.sort(byTime)
    } else if (ack.error.code === 'disconnected' || (ack.error.code === 'timeout' && !s.connected)) {
      message.status = 'queued' // goes again with the same id once the session is back
    } else {
      message.status = 'failed'
      message.error = ack.error.code === 'timeout' ? 'timeout' : ack.error.message
    }
  }

  /** What waited for the connection, in the order it was typed, one at a time. */
  async function flush(): Promise<void> {
    const queued = conv.messages.filter((m) => m.status === 'queued').sort((a, b) => a.timestamp - b.timestamp)
    for (const message of queued) if (message.status === 'queued') await deliver(message)
  }

  function send(text: string): ChatMessage | null {
    const body = text.trim()
    if (!body || ended.value) return null
    conv.suggestions = []
    conv.error = null
    const message = placePending(conv, {
      clientMessageId: newClientMessageId(),
      agentKey: conv.agentKey,
      contactId: conv.contactId,
      text: body,
      timestamp: Date.now(),
    })
    void deliver(message)
    return message
  }

  /** The same clientMessageId again: the server keeps one copy (and retries its reply). */
  function retry(message: ChatMessage): Promise<void> {
    const current = conv.messages.find((m) => m.key === message.key) ?? message
    current.replyError = undefined
    conv.error = null
    return deliver(current)
  }

  // -- booking -------------------------------------------------------------------------

  function loadSlots(date: string): Promise<VisitorSlotsAck | Failure> {
    return withAck((s) => s.timeout(ACK_TIMEOUT_MS).emitWithAck('visitor:available-slots', { date }))
  }

  /** Books a slot; resolves to null when booked, or the refusal. */
  async function book(payload: VisitorScheduleConfirmPayload): Promise<Failure['error'] | null> {
    const ack = await withAck((s) => s.timeout(ACK_TIMEOUT_MS * 2).emitWithAck('visitor:schedule-confirm', payload))
    if (!ack.ok) return ack.error
    if (payload.email) email.value = payload.email
    addBooking(ack.event)
    return null
  }

  function openBooking(open = true): void {
    bookingOpen.value = open
    if (!open) conv.slotRequest = null
  }

  function setVisible(value: boolean): void {
    visible.value = value
    if (value) unread.value = 0
  }

  return {
    slug,
    language,
    host,
    state,
    notice,
    agent,
    conv,
    visible,
    unread,
    bookingOpen,
    email,
    tokenForHost,
    conversationId,
    ended,
    active,
    lastBooking,
    greeting,
    start,
    stop,
    onSession,
    onMessage,
    onStream,
    onTyping,
    onToolStatus,
    onSuggestions,
    onSlotPicker,
    onScheduled,
    onError,
    onClosed,
    onDisconnected,
    onConnectError,
    send,
    retry,
    flush,
    loadSlots,
    book,
    openBooking,
    setVisible,
  }
})
