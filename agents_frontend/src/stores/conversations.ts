import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { AxiosError } from 'axios'
import { agentsApi, errorMessage, tasksApi } from '@/services/api'
import { conversationsApi } from '@/services/conversationsApi'
import type { MessagePage } from '@/types/api'
import type { ChatMessage, Conversation, OutboxEntry } from '@/types/chat'
import type {
  AgentErrorEvent,
  AgentMessageEvent,
  ScheduleCancelledEvent,
  ScheduleConfirmedEvent,
  ScheduleConfirmPayload,
  ShowSlotPickerEvent,
  StreamEvent,
  SuggestionsEvent,
  SummaryEvent,
  TaskCreatedEvent,
  ToolStatusEvent,
  TypingEvent,
} from '@/types/events'
import {
  appendChunk,
  applySnapshot,
  applyToolStatus,
  conversationId,
  emptyConversation,
  endToolActivity,
  giveUpOnGaps,
  hasGaps,
  markWaiting,
  placePending,
  upsertMessage,
} from '@/utils/conversation'
import { useBookingStore } from './booking'
import { useCatalogueStore } from './catalogue'
import { ACK_TIMEOUT_MS, SESSION_CODES, useConnectionStore } from './connection'

/** History page sizes; a test may lower them to make the client follow `hasMore`. */
export const HISTORY_PAGING = { page: 30, catchUp: 100 }

type Refusal = { code: string; message: string }

/**
 * Every open conversation: its messages (own, streamed, stored), typing, suggestions, the
 * slot picker, the summary, bookings and tasks. Server events arrive through the socket
 * plugin; history comes over REST.
 */
export const useConversationsStore = defineStore('conversations', () => {
  const catalogue = useCatalogueStore()
  const connection = useConnectionStore()
  const conversations = reactive<Record<string, Conversation>>({})
  /** The last `agent:error` that named no conversation. */
  const lastError = ref<AgentErrorEvent | null>(null)
  /** Requests per conversation whose ack is still due (their refusal is shown by the ack). */
  const awaiting = reactive<Record<string, number>>({})

  function conversation(agentKey: string, contactId: string): Conversation {
    const id = conversationId(agentKey, contactId)
    if (!conversations[id]) conversations[id] = emptyConversation(agentKey, contactId)
    return conversations[id]!
  }

  async function withAck<T>(agentKey: string, contactId: string, request: () => Promise<T>): Promise<T> {
    const id = conversationId(agentKey, contactId)
    awaiting[id] = (awaiting[id] ?? 0) + 1
    try {
      return await request()
    } finally {
      const left = (awaiting[id] ?? 1) - 1
      if (left > 0) awaiting[id] = left
      else delete awaiting[id]
    }
  }

  // -- server events ---------------------------------------------------------------

  function onMessage(event: AgentMessageEvent): void {
    const conv = conversation(event.agentKey, event.contactId)
    upsertMessage(conv, event)
    if (event.author !== 'agent') return
    conv.typing = false
    // A reply that came after all (taken over by another server process) answers the
    // question that showed a failure.
    const question = event.replyTo && !event.incomplete ? conv.messages.find((m) => m.id === event.replyTo) : undefined
    if (question) question.replyError = undefined
  }

  function onStream(event: StreamEvent): void {
    const conv = conversation(event.agentKey, event.contactId)
    if (appendChunk(conv, event, catalogue.offline)) void fillGaps(conv)
  }

  /** Conversations fetching a snapshot for a gap (one fetch at a time per conversation). */
  const filling = new Map<string, Promise<void>>()

  /** A delta came after a gap (this page or socket joined mid-stream): the history holds
   * the reply's text so far, with every delta this client has seen when it is read. A gap
   * found while that read was under way gets a second read; what is still missing then
   * is given up on (the stored reply replaces the text). */
  function fillGaps(conv: Conversation): Promise<void> {
    const id = conversationId(conv.agentKey, conv.contactId)
    const running = filling.get(id)
    if (running) return running
    const work = (async () => {
      try {
        for (let read = 0; read < 2 && hasGaps(conv); read += 1) await catchUp(conv)
      } finally {
        filling.delete(id)
      }
      if (hasGaps(conv)) giveUpOnGaps(conv)
    })()
    filling.set(id, work)
    return work
  }

  function onTyping(event: TypingEvent): void {
    conversation(event.agentKey, event.contactId).typing = event.typing
  }

  /** The agent is using a tool for the reply it writes (the status line under it). */
  function onToolStatus(event: ToolStatusEvent): void {
    applyToolStatus(conversation(event.agentKey, event.contactId), event)
  }

  function onSuggestions(event: SuggestionsEvent): void {
    conversation(event.agentKey, event.contactId).suggestions = event.suggestions
  }

  function onSlotPicker(event: ShowSlotPickerEvent): void {
    conversation(event.agentKey, event.contactId).slotRequest = event
    useBookingStore().remember(event)
  }

  function onSummary(event: SummaryEvent): void {
    const conv = conversation(event.agentKey, event.contactId)
    conv.summary = { text: event.summary, offline: event.offline ?? false }
    conv.summaryLoading = false
  }

  function onScheduled(event: ScheduleConfirmedEvent): void {
    const conv = conversation(event.agentKey, event.contactId)
    conv.bookings.push(event.event)
    conv.slotRequest = null
  }

  /** Cancelled (on My meetings, in any tab): the conversation no longer says "booked". */
  function onScheduleCancelled(event: ScheduleCancelledEvent): void {
    const conv = conversation(event.agentKey, event.contactId)
    conv.bookings = conv.bookings.filter((booking) => booking.id !== event.event.id)
  }

  function onTaskCreated(event: TaskCreatedEvent): void {
    const conv = conversation(event.agentKey, event.contactId)
    if (!conv.tasks.some((t) => t.id === event.task.id)) conv.tasks.push(event.task)
  }

  function onError(event: AgentErrorEvent): void {
    // The session's end is the socket plugin's business: it renews and sends again.
    if (SESSION_CODES.has(event.code)) return
    // The server restarted mid-reply: what it had written stays (marked interrupted) and
    // another process continues the reply; nothing for the person to do.
    if (event.code === 'reply_interrupted') return
    if (!event.agentKey || !event.contactId) {
      lastError.value = event
      return
    }
    const conv = conversation(event.agentKey, event.contactId)
    conv.summaryLoading = false
    const answered = event.messageId ? conv.messages.find((m) => m.id === event.messageId) : undefined
    if (answered) {
      answered.replyError = event.error
      endToolActivity(conv, (_reply, replyTo) => replyTo === answered.id)
      // Its reply is not coming on this attempt: a bubble shown streaming stops.
      for (const reply of conv.messages) {
        if (reply.replyTo === answered.id && reply.status === 'streaming') {
          Object.assign(reply, { status: 'sent', incomplete: true, heldDeltas: undefined })
        }
      }
      markWaiting(conv)
      return
    }
    // A refused request is reported by its ack where it was made (the message, the slot
    // picker, the summary panel); the server's `agent:error` copy is not a second banner.
    if ((awaiting[conversationId(conv.agentKey, conv.contactId)] ?? 0) > 0) return
    conv.error = { message: event.error, code: event.code }
  }

  /** Nobody is typing (or using a tool) on a dropped connection; the reply, if any, comes
   * with the catch-up. */
  function onDisconnected(): void {
    for (const conv of Object.values(conversations)) {
      conv.typing = false
      endToolActivity(conv)
    }
  }

  /** Shows a message from the outbox in its conversation (after a reload, say). */
  function showPending(entry: OutboxEntry): ChatMessage {
    return placePending(conversation(entry.agentKey, entry.contactId), entry)
  }

  // -- history (REST) ----------------------------------------------------------------

  /** A page's messages, then the replies streaming when it was read (their text so far). */
  function takePage(conv: Conversation, page: MessagePage): void {
    for (const event of page.messages) upsertMessage(conv, event)
    for (const snapshot of page.streaming ?? []) applySnapshot(conv, snapshot, catalogue.offline)
  }

  async function open(agentKey: string, contactId: string): Promise<Conversation> {
    const conv = conversation(agentKey, contactId)
    if (conv.loaded || conv.loading) return conv
    conv.loading = true
    try {
      const page = await agentsApi.history(agentKey, contactId, { limit: HISTORY_PAGING.page })
      takePage(conv, page)
      conv.hasMore = page.hasMore
      conv.loaded = true
      conv.error = null
    } catch (error) {
      conv.error = { message: errorMessage(error), code: 'history' }
    } finally {
      conv.loading = false
    }
    void loadTasks(conv)
    return conv
  }

  /** Opens a conversation at one message (a search result): the page around it, then
   * everything newer up to now, so the list stays one unbroken stretch of history. */
  async function openAround(agentKey: string, contactId: string, messageId: string): Promise<Conversation> {
    const conv = conversation(agentKey, contactId)
    if (conv.messages.some((m) => m.id === messageId)) return open(agentKey, contactId)
    conv.loading = true
    try {
      const page = await conversationsApi.around(agentKey, contactId, messageId, HISTORY_PAGING.page)
      // Only what is still being sent stays: the rest is read again around the message.
      const unsent = conv.messages.filter((m) => m.id === null)
      conv.messages.splice(0, conv.messages.length, ...unsent)
      takePage(conv, page)
      conv.hasMore = page.hasMore
      if (page.hasMoreNewer) await catchUp(conv)
      conv.loaded = true
      conv.error = null
    } catch {
      conv.loading = false
      return open(agentKey, contactId) // the message is gone: the newest page instead
    } finally {
      conv.loading = false
    }
    void loadTasks(conv)
    return conv
  }

  async function loadTasks(conv: Conversation): Promise<void> {
    try {
      const tasks = await tasksApi.list({ agentKey: conv.agentKey, contactId: conv.contactId })
      for (const task of tasks) {
        const matches = task.agentKey === conv.agentKey && task.contactId === conv.contactId
        if (matches && !conv.tasks.some((t) => t.id === task.id)) conv.tasks.push(task)
      }
    } catch {
      // Tasks are an extra; the chat works without them.
    }
  }

  async function loadOlder(agentKey: string, contactId: string): Promise<void> {
    const conv = conversation(agentKey, contactId)
    const first = conv.messages.find((m) => m.id !== null && m.status !== 'streaming')
    if (!conv.hasMore || conv.loadingOlder || !first?.id) return
    conv.loadingOlder = true
    try {
      const page = await agentsApi.history(agentKey, contactId, {
        limit: HISTORY_PAGING.page,
        before: first.id,
      })
      for (const event of page.messages) upsertMessage(conv, event)
      conv.hasMore = page.hasMore
    } catch (error) {
      conv.error = { message: errorMessage(error), code: 'history' }
    } finally {
      conv.loadingOlder = false
    }
  }

  /** Fetches what arrived while disconnected, after the last message the server confirmed. */
  async function catchUp(conv: Conversation): Promise<void> {
    const confirmed = conv.messages.filter((m) => m.id !== null && m.status === 'sent')
    let after = confirmed[confirmed.length - 1]?.id ?? undefined
    for (let guard = 0; guard < 50; guard += 1) {
      try {
        const page = await agentsApi.history(conv.agentKey, conv.contactId, {
          limit: HISTORY_PAGING.catchUp,
          ...(after ? { after } : {}),
        })
        takePage(conv, page)
        if (!after) conv.hasMore = page.hasMore
        const last = page.messages[page.messages.length - 1]
        if (!after || !page.hasMore || !last) return
        after = last.id
      } catch (error) {
        if (error instanceof AxiosError && error.response?.status === 404 && after) {
          after = undefined // the cursor vanished: take the newest page instead
          continue
        }
        return
      }
    }
  }

  async function catchUpAll(): Promise<void> {
    await Promise.all(Object.values(conversations).filter((c) => c.loaded).map(catchUp))
  }

  // -- requests over the socket ------------------------------------------------------

  async function requestSummary(agentKey: string, contactId: string): Promise<void> {
    const conv = conversation(agentKey, contactId)
    const socket = connection.live()
    if (!socket) {
      conv.error = { message: 'network', code: 'disconnected' }
      return
    }
    conv.summaryLoading = true
    try {
      const ack = await withAck(agentKey, contactId, () =>
        socket.timeout(ACK_TIMEOUT_MS * 3).emitWithAck('agent:request-summary', { agentKey, contactId }),
      )
      if (!ack.ok) {
        conv.summaryLoading = false
        conv.error = { message: ack.error.message, code: ack.error.code }
      }
    } catch {
      conv.summaryLoading = false
      conv.error = { message: 'timeout', code: 'timeout' }
    }
  }

  /** Books a slot; resolves to null on success, or the refusal `{code, message}`. */
  async function confirmSlot(payload: ScheduleConfirmPayload): Promise<Refusal | null> {
    const socket = connection.live()
    if (!socket) return { code: 'disconnected', message: 'network' }
    try {
      const ack = await withAck(payload.agentKey, payload.contactId, () =>
        socket.timeout(ACK_TIMEOUT_MS * 2).emitWithAck('agent:schedule-confirm', payload),
      )
      return ack.ok ? null : ack.error
    } catch {
      return { code: 'timeout', message: 'timeout' }
    }
  }

  function closeSlotPicker(agentKey: string, contactId: string): void {
    conversation(agentKey, contactId).slotRequest = null
  }

  /** Opens the picker again (the chat header's "Book a meeting"), as it was left. */
  function reopenSlotPicker(agentKey: string, contactId: string): void {
    conversation(agentKey, contactId).slotRequest = useBookingStore().requestFor(agentKey, contactId)
  }

  function reset(): void {
    for (const key of Object.keys(conversations)) delete conversations[key]
    for (const key of Object.keys(awaiting)) delete awaiting[key]
    lastError.value = null
    useBookingStore().reset()
  }

  return {
    conversations,
    lastError,
    awaiting,
    conversation,
    withAck,
    onMessage,
    onStream,
    onTyping,
    onToolStatus,
    onSuggestions,
    onSlotPicker,
    onSummary,
    onScheduled,
    onScheduleCancelled,
    onTaskCreated,
    onError,
    onDisconnected,
    showPending,
    open,
    openAround,
    loadOlder,
    catchUp,
    catchUpAll,
    requestSummary,
    confirmSlot,
    closeSlotPicker,
    reopenSlotPicker,
    reset,
  }
})
