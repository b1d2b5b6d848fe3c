import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import { AxiosError } from 'axios'
import { agentsApi, errorMessage, tasksApi } from '@/services/api'
import type { AgentSocket } from '@/socket'
import type { AgentPublic } from '@/types/api'
import {
  type Conversation,
  type ChatMessage,
  type ConnectionState,
  fromEvent,
} from '@/types/chat'
import type {
  AgentErrorEvent,
  AgentMessageEvent,
  ScheduleConfirmPayload,
  SendAck,
} from '@/types/events'

export const ACK_TIMEOUT_MS = 10_000
export const PAGE_SIZE = 30

export function conversationId(agentKey: string, contactId: string): string {
  return `${agentKey}\u0000${contactId}`
}

function newClientMessageId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

function byTime(a: ChatMessage, b: ChatMessage): number {
  // Unsent and still-streaming messages sit after everything the server has ordered.
  const pendingA = a.id === null || a.status === 'streaming'
  const pendingB = b.id === null || b.status === 'streaming'
  if (pendingA !== pendingB) return pendingA ? 1 : -1
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp
  return (a.id ?? '').localeCompare(b.id ?? '')
}

export const useAgentsStore = defineStore('agents', () => {
  const agents = ref<AgentPublic[]>([])
  const offline = ref(false)
  const agentsLoading = ref(false)
  const agentsError = ref<string | null>(null)
  const connection = ref<ConnectionState>('idle')
  /** Whether the socket has connected at least once (a later connect is a reconnection). */
  const everConnected = ref(false)
  const conversations = reactive<Record<string, Conversation>>({})
  const autoCreate = reactive<Record<string, boolean>>({})
  const lastError = ref<AgentErrorEvent | null>(null)

  let sock: AgentSocket | null = null
  /** Agents whose auto-create toggle awaits its ack (a list loaded meanwhile is older). */
  const autoCreatePending = new Set<string>()
  let resyncing: Promise<void> | null = null
  let rerun: { reconnection: boolean } | null = null
  /** Requests per conversation whose ack is still due (see `onError`). */
  const awaiting = new Map<string, number>()

  async function withAck<T>(agentKey: string, contactId: string, request: () => Promise<T>): Promise<T> {
    const id = conversationId(agentKey, contactId)
    awaiting.set(id, (awaiting.get(id) ?? 0) + 1)
    try {
      return await request()
    } finally {
      const left = (awaiting.get(id) ?? 1) - 1
      if (left > 0) awaiting.set(id, left)
      else awaiting.delete(id)
    }
  }

  const agentByKey = computed(() => new Map(agents.value.map((a) => [a.key, a])))

  function conversation(agentKey: string, contactId: string): Conversation {
    const id = conversationId(agentKey, contactId)
    let conv = conversations[id]
    if (!conv) {
      conversations[id] = {
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
      conv = conversations[id]!
    }
    return conv
  }

  function findMessage(conv: Conversation, event: { id?: string | null; clientMessageId?: string }) {
    return conv.messages.find(
      (m) =>
        (event.id != null && m.id === event.id) ||
        (event.clientMessageId !== undefined && m.clientMessageId === event.clientMessageId),
    )
  }

  /** The server's copy wins; the optimistic or streamed copy is updated in place. */
  function upsert(event: AgentMessageEvent): ChatMessage {
    const conv = conversation(event.agentKey, event.contactId)
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

  function mergePage(conv: Conversation, events: AgentMessageEvent[]): void {
    for (const event of events) upsert(event)
    void conv
  }

  // -- server events ---------------------------------------------------------------

  function onMessage(event: AgentMessageEvent): void {
    upsert(event)
    if (event.offline) offline.value = true
    if (event.author === 'agent') conversation(event.agentKey, event.contactId).typing = false
  }

  function onStream(event: { agentKey: string; contactId: string; id: string; delta: string }) {
    const conv = conversation(event.agentKey, event.contactId)
    const existing = conv.messages.find((m) => m.id === event.id)
    if (existing) {
      // A chunk that arrives after the final message (or twice) must not grow the text.
      if (existing.status === 'streaming') existing.text += event.delta
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
      offline: offline.value,
      incomplete: false,
      status: 'streaming',
      attempt: 0,
    })
  }

  function onError(event: AgentErrorEvent): void {
    if (!event.agentKey || !event.contactId) {
      lastError.value = event
      return
    }
    const conv = conversation(event.agentKey, event.contactId)
    conv.summaryLoading = false
    if (event.messageId) {
      const message = conv.messages.find((m) => m.id === event.messageId)
      if (message) {
        message.replyError = event.error
        return
      }
    }
    // A refused request is reported by its ack where it was made (the message, the slot
    // picker, the summary panel); the server's `agent:error` copy is not a second banner.
    if ((awaiting.get(conversationId(conv.agentKey, conv.contactId)) ?? 0) > 0) return
    conv.error = { message: event.error, code: event.code }
  }

  function bind(socket: AgentSocket): void {
    if (sock === socket) return
    sock = socket
    socket.on('connect', () => {
      connection.value = 'connected'
      const reconnection = everConnected.value
      everConnected.value = true
      void resync(reconnection)
    })
    socket.on('disconnect', () => {
      connection.value = 'disconnected'
      // Whatever was in flight may or may not have arrived; it goes again on reconnect,
      // and the clientMessageId lets the server drop a copy it already has.
      for (const conv of Object.values(conversations)) {
        conv.typing = false
        for (const m of conv.messages) {
          if (m.status === 'sending') {
            m.status = 'queued'
            m.attempt += 1
          }
        }
      }
    })
    socket.on('agent:message', onMessage)
    socket.on('agent:stream', onStream)
    socket.on('agent:typing', (e) => {
      conversation(e.agentKey, e.contactId).typing = e.typing
    })
    socket.on('agent:suggestions', (e) => {
      conversation(e.agentKey, e.contactId).suggestions = e.suggestions
    })
    socket.on('agent:show-slot-picker', (e) => {
      conversation(e.agentKey, e.contactId).slotRequest = e
    })
    socket.on('agent:auto-create-updated', (e) => {
      autoCreate[e.agentKey] = e.autoCreate
    })
    socket.on('agent:summary', (e) => {
      const conv = conversation(e.agentKey, e.contactId)
      conv.summary = { text: e.summary, offline: e.offline ?? false }
      conv.summaryLoading = false
    })
    socket.on('agent:schedule-confirm', (e) => {
      const conv = conversation(e.agentKey, e.contactId)
      conv.bookings.push(e.event)
      conv.slotRequest = null
    })
    socket.on('agent:task-created', (e) => {
      const conv = conversation(e.agentKey, e.contactId)
      if (!conv.tasks.some((t) => t.id === e.task.id)) conv.tasks.push(e.task)
    })
    socket.on('agent:error', onError)
  }

  function setConnecting(): void {
    if (connection.value !== 'connected') connection.value = 'connecting'
  }

  // -- REST --------------------------------------------------------------------------

  /** The server's switches for this user; a toggle still waiting for its ack keeps its value. */
  function adoptAutoCreate(list: AgentPublic[]): void {
    for (const agent of list) {
      if (!autoCreatePending.has(agent.key)) autoCreate[agent.key] = agent.autoCreate === true
    }
  }

  async function refreshAutoCreate(): Promise<void> {
    try {
      adoptAutoCreate((await agentsApi.list()).agents)
    } catch {
      // The switches keep their last known state; the next load corrects them.
    }
  }

  async function loadAgents(): Promise<void> {
    agentsLoading.value = true
    agentsError.value = null
    try {
      const list = await agentsApi.list()
      agents.value = list.agents
      offline.value = list.offline
      adoptAutoCreate(list.agents)
    } catch (error) {
      agentsError.value = errorMessage(error)
    } finally {
      agentsLoading.value = false
    }
  }

  async function open(agentKey: string, contactId: string): Promise<Conversation> {
    const conv = conversation(agentKey, contactId)
    if (conv.loaded || conv.loading) return conv
    conv.loading = true
    try {
      const page = await agentsApi.history(agentKey, contactId, { limit: PAGE_SIZE })
      mergePage(conv, page.messages)
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
        limit: PAGE_SIZE,
        before: first.id,
      })
      mergePage(conv, page.messages)
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
          limit: 100,
          ...(after ? { after } : {}),
        })
        mergePage(conv, page.messages)
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

  function resync(reconnection: boolean): Promise<void> {
    if (resyncing) {
      // A connection that flapped during this resync: run once more when it is done, so
      // nothing queued by the flap waits for yet another reconnection.
      rerun = { reconnection: (rerun?.reconnection ?? false) || reconnection }
      return resyncing
    }
    resyncing = (async () => {
      try {
        if (reconnection) {
          // Another tab may have flipped an auto-create switch while this one was away.
          void refreshAutoCreate()
          await Promise.all(
            Object.values(conversations)
              .filter((c) => c.loaded)
              .map((c) => catchUp(c)),
          )
        }
        await flushQueue()
      } finally {
        resyncing = null
        const again = rerun
        rerun = null
        if (again && sock?.connected) void resync(again.reconnection)
      }
    })()
    return resyncing
  }

  // -- sending -----------------------------------------------------------------------

  async function deliver(message: ChatMessage): Promise<void> {
    if (!sock || !sock.connected) {
      message.status = 'queued'
      return
    }
    message.status = 'sending'
    message.error = undefined
    message.attempt += 1
    const attempt = message.attempt
    let ack: SendAck
    try {
      const socket = sock
      ack = await withAck(message.agentKey, message.contactId, () =>
        socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:send', {
          agentKey: message.agentKey,
          contactId: message.contactId,
          message: message.text,
          clientMessageId: message.clientMessageId,
        }),
      )
    } catch {
      if (message.attempt !== attempt) return
      message.status = sock.connected ? 'failed' : 'queued'
      if (message.status === 'failed') message.error = 'timeout'
      return
    }
    if (message.attempt !== attempt) return
    if (ack.ok) {
      if (message.id === null) message.id = ack.messageId
      if (message.status === 'sending') message.status = 'sent'
      const conv = conversation(message.agentKey, message.contactId)
      conv.messages.sort(byTime)
    } else {
      message.status = 'failed'
      message.error = ack.error.message
    }
  }

  async function flushQueue(): Promise<void> {
    for (const conv of Object.values(conversations)) {
      const queued = conv.messages.filter((m) => m.status === 'queued')
      for (const message of queued) {
        if (message.status !== 'queued') continue
        await deliver(message)
      }
    }
  }

  function send(agentKey: string, contactId: string, text: string): ChatMessage | null {
    const body = text.trim()
    if (!body) return null
    const conv = conversation(agentKey, contactId)
    const clientMessageId = newClientMessageId()
    conv.messages.push({
      key: `c:${clientMessageId}`,
      id: null,
      clientMessageId,
      agentKey,
      contactId,
      author: 'user',
      text: body,
      timestamp: Date.now(),
      offline: false,
      incomplete: false,
      status: 'queued',
      attempt: 0,
    })
    conv.suggestions = []
    conv.error = null
    const message = conv.messages[conv.messages.length - 1]!
    void deliver(message)
    return message
  }

  /** Sends again with the same clientMessageId: the server keeps one copy. */
  function retry(message: ChatMessage): void {
    message.replyError = undefined
    const conv = conversation(message.agentKey, message.contactId)
    conv.error = null
    const live = conv.messages.find((m) => m.key === message.key) ?? message
    void deliver(live)
  }

  async function requestSummary(agentKey: string, contactId: string): Promise<void> {
    const conv = conversation(agentKey, contactId)
    if (!sock) return
    conv.summaryLoading = true
    try {
      const socket = sock
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

  async function setAutoCreate(agentKey: string, enabled: boolean): Promise<boolean> {
    if (!sock) return false
    const before = autoCreate[agentKey] ?? false
    autoCreate[agentKey] = enabled
    autoCreatePending.add(agentKey)
    try {
      const ack = await sock
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('agent:set-auto-create', { agentKey, autoCreate: enabled })
      if (ack.ok) autoCreate[agentKey] = ack.autoCreate
      else autoCreate[agentKey] = before
      return ack.ok
    } catch {
      autoCreate[agentKey] = before
      return false
    } finally {
      autoCreatePending.delete(agentKey)
    }
  }

  /** Books a slot; resolves to null on success, or the refusal `{code, message}`. */
  async function confirmSlot(payload: ScheduleConfirmPayload): Promise<{ code: string; message: string } | null> {
    const socket = sock
    if (!socket) return { code: 'disconnected', message: 'disconnected' }
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

  function reset(): void {
    for (const key of Object.keys(conversations)) delete conversations[key]
    for (const key of Object.keys(autoCreate)) delete autoCreate[key]
    agents.value = []
    everConnected.value = false
    connection.value = 'idle'
  }

  return {
    agents,
    offline,
    agentsLoading,
    agentsError,
    connection,
    everConnected,
    conversations,
    autoCreate,
    lastError,
    agentByKey,
    conversation,
    bind,
    setConnecting,
    loadAgents,
    open,
    loadOlder,
    catchUp,
    resync,
    send,
    retry,
    requestSummary,
    setAutoCreate,
    confirmSlot,
    closeSlotPicker,
    reset,
    socket: () => sock,
  }
})
