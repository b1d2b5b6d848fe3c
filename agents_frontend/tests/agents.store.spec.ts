/**
 * The agents store over a real socket: the real `socket.io-client` (built by the app's
 * own `createAgentSocket`) and axios talk to a real socket.io + HTTP server on loopback
 * that plays the backend's side of the contract (`tests/support/backend.ts`).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { configureAuth, http } from '@/services/api'
import { createAgentSocket, setSocketTokenSource, type AgentSocket } from '@/socket'
import { useAgentsStore } from '@/stores/agents'
import { useCalendar } from '@/composables/useCalendar'
import { startBackend, type TestBackend } from './support/backend'

const A = 'sdr'
const C = 'default'
const WAIT = { timeout: 3000, interval: 10 }

let backend: TestBackend
let token: string
const clients: AgentSocket[] = []

function client(overrides: Parameters<typeof createAgentSocket>[1] = {}): AgentSocket {
  // Short backoff so a reconnection takes milliseconds, not the app's half second.
  const socket = createAgentSocket(backend.url, { transports: ['websocket'], reconnectionDelay: 20, reconnectionDelayMax: 60, ...overrides })
  clients.push(socket)
  return socket
}

async function connectedStore() {
  const store = useAgentsStore()
  const socket = client()
  store.bind(socket)
  socket.connect()
  await vi.waitFor(() => expect(store.connection).toBe('connected'), WAIT)
  return { store, socket }
}

/** One request and answer over the socket: everything the server emitted before it has arrived. */
async function roundTrip(socket: AgentSocket): Promise<void> {
  await socket.timeout(2000).emitWithAck('agent:request-summary', { agentKey: 'sync', contactId: 'sync' })
}

async function dropAndHold(store: ReturnType<typeof useAgentsStore>): Promise<() => void> {
  const release = backend.hold()
  backend.dropConnections()
  await vi.waitFor(() => expect(store.connection).toBe('disconnected'), WAIT)
  return release
}

const texts = (list: { text: string }[]) => list.map((m) => m.text)
const userMessages = (store: ReturnType<typeof useAgentsStore>) =>
  store.conversation(A, C).messages.filter((m) => m.author === 'user')

beforeEach(async () => {
  setActivePinia(createPinia())
  backend = await startBackend()
  token = backend.login('u1').access_token
  http.defaults.baseURL = backend.url
  configureAuth({ accessToken: () => token, refresh: async () => null })
  setSocketTokenSource(() => token)
})

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.disconnect()
  // Requests the store fires and forgets (tasks, switches) land before the server goes.
  await new Promise((r) => setTimeout(r, 30))
  await backend.close()
})

describe('the connection', () => {
  it('presents the current token on every (re)connection and is refused without one', async () => {
    const { store } = await connectedStore()
    const first = token
    const release = await dropAndHold(store)
    token = backend.login('u1').access_token // refreshed while away
    backend.expire(first)
    release()
    await vi.waitFor(() => expect(store.connection).toBe('connected'), WAIT)
    expect(backend.state.handshakes).toContain(first)
    expect(backend.state.handshakes[backend.state.handshakes.length - 1]).toBe(token)

    token = 'not-a-token'
    const refused = client({ reconnection: false })
    const error = await new Promise<Error>((ok) => {
      refused.on('connect_error', ok)
      refused.connect()
    })
    expect(error.message).toBe('invalid or expired token')
    expect(refused.connected).toBe(false)
  })
})

describe('sending and reconciliation', () => {
  it('shows an own message at once and replaces it with the server copy, never twice', async () => {
    const { store } = await connectedStore()
    const local = store.send(A, C, '  hello  ')!
    const conv = store.conversation(A, C)
    expect(conv.messages).toHaveLength(1)
    expect(conv.messages[0]!.text).toBe('hello')
    expect(conv.messages[0]!.status).toBe('sending')

    await vi.waitFor(() => expect(conv.messages[0]!.status).toBe('sent'), WAIT)
    const stored = backend.conversation(A, C)
    expect(stored).toHaveLength(1)
    expect(stored[0]!.clientMessageId).toBe(local.clientMessageId)
    expect(stored[0]!.text).toBe('hello')
    expect(conv.messages).toHaveLength(1)
    expect(conv.messages[0]!.id).toBe(stored[0]!.id)
    expect(conv.messages[0]!.key).toBe(local.key)
  })

  it('keeps one copy when the ack comes before the server echo', async () => {
    backend.state.ackFirst = () => true
    const { store, socket } = await connectedStore()
    store.send(A, C, 'hi')
    await vi.waitFor(() => expect(store.conversation(A, C).messages[0]!.status).toBe('sent'), WAIT)
    await roundTrip(socket) // the echo, sent after the ack, has arrived too
    expect(store.conversation(A, C).messages.map((m) => m.id)).toEqual([backend.conversation(A, C)[0]!.id])
  })

  it('ignores empty input', async () => {
    const { store, socket } = await connectedStore()
    expect(store.send(A, C, '   ')).toBeNull()
    await roundTrip(socket)
    expect(backend.state.sends).toHaveLength(0)
  })

  it('marks a refused send as failed, and retry resends with the same clientMessageId', async () => {
    const { store } = await connectedStore()
    const local = store.send(A, C, 'x'.repeat(4001))!
    const conv = store.conversation(A, C)
    await vi.waitFor(() => expect(conv.messages[0]!.status).toBe('failed'), WAIT)
    expect(conv.messages[0]!.error).toBe('Message is longer than 4000 characters.')
    expect(conv.error).toBeNull() // reported on the message, not a second time as a banner

    store.retry(conv.messages[0]!)
    await vi.waitFor(() => expect(backend.state.sends).toHaveLength(2), WAIT)
    expect(backend.state.sends.map((s) => s.clientMessageId)).toEqual([local.clientMessageId, local.clientMessageId])
  })

  it('shows a failed reply on the message it answers, and retry asks again', async () => {
    let attempts = 0
    backend.state.onSend = async (ctx) => {
      attempts += 1
      if (attempts === 1) ctx.fail('model down')
      else await ctx.reply(['second ', 'try'])
    }
    const { store } = await connectedStore()
    store.send(A, C, 'q')
    const conv = store.conversation(A, C)
    await vi.waitFor(() => expect(conv.messages[0]!.replyError).toBe('model down'), WAIT)

    store.retry(conv.messages[0]!)
    expect(conv.messages[0]!.replyError).toBeUndefined()
    await vi.waitFor(() => expect(conv.messages.find((m) => m.author === 'agent')?.status).toBe('sent'), WAIT)
    expect(texts(conv.messages)).toEqual(['q', 'second try'])
    expect(new Set(backend.state.sends.map((s) => s.clientMessageId)).size).toBe(1)
    expect(backend.conversation(A, C).filter((m) => m.author === 'user')).toHaveLength(1)
  })
})

describe('streaming', () => {
  it('assembles chunks into one bubble that the final message replaces', async () => {
    backend.state.onSend = (ctx) => ctx.reply(['Olá', ', ', 'tudo', ' bem?'], { delayMs: 40 }).then(() => undefined)
    const { store, socket } = await connectedStore()
    store.send(A, C, 'oi')
    const conv = store.conversation(A, C)
    const agentBubble = () => conv.messages.find((m) => m.author === 'agent')
    const seen: string[] = []
    await vi.waitFor(() => {
      const bubble = agentBubble()
      if (bubble?.status === 'streaming' && seen[seen.length - 1] !== bubble.text) seen.push(bubble.text)
      expect(bubble?.status).toBe('sent')
    }, WAIT)
    expect(seen.length).toBeGreaterThanOrEqual(2) // it grew while streaming
    for (const partial of seen) expect('Olá, tudo bem?'.startsWith(partial)).toBe(true)
    expect(conv.messages.filter((m) => m.author === 'agent')).toHaveLength(1)
    expect(agentBubble()!.text).toBe('Olá, tudo bem?')
    expect(agentBubble()!.id).toBe(backend.conversation(A, C)[1]!.id)

    // A chunk that arrives after the final message must not grow it.
    backend.emit('u1')('agent:stream', { agentKey: A, contactId: C, id: agentBubble()!.id!, delta: ' late' })
    await roundTrip(socket)
    expect(agentBubble()!.text).toBe('Olá, tudo bem?')
    expect(conv.typing).toBe(false)
  })

  it('keeps conversations apart by agent and contact', async () => {
    const { store, socket } = await connectedStore()
    const emit = backend.emit('u1')
    emit('agent:stream', { agentKey: A, contactId: 'other', id: 'r9', delta: 'x' })
    emit('agent:typing', { agentKey: 'support', contactId: C, typing: true })
    await roundTrip(socket)
    expect(store.conversation(A, C).messages).toHaveLength(0)
    expect(store.conversation(A, 'other').messages).toHaveLength(1)
    expect(store.conversation('support', C).typing).toBe(true)
    expect(store.conversation(A, C).typing).toBe(false)
  })

  it('every tab of the user sees the same conversation', async () => {
    backend.state.onSend = (ctx) => ctx.reply(['a', 'b']).then(() => undefined)
    const first = await connectedStore()
    setActivePinia(createPinia())
    const second = await connectedStore()
    first.store.send(A, C, 'from tab one')
    await vi.waitFor(() => expect(second.store.conversation(A, C).messages.map((m) => m.status)).toEqual(['sent', 'sent']), WAIT)
    expect(texts(second.store.conversation(A, C).messages)).toEqual(['from tab one', 'ab'])
  })
})

describe('suggestions, summary, tasks and the slot picker', () => {
  it('records suggestions and clears them when the person sends again', async () => {
    backend.state.onSend = (ctx) => ctx.reply(['ok'], { suggestions: ['a', 'b'] }).then(() => undefined)
    const { store } = await connectedStore()
    store.send(A, C, 'first')
    await vi.waitFor(() => expect(store.conversation(A, C).suggestions).toEqual(['a', 'b']), WAIT)
    store.send(A, C, 'next')
    expect(store.conversation(A, C).suggestions).toEqual([])
  })

  it('asks for a summary and shows it', async () => {
    const { store } = await connectedStore()
    await store.requestSummary(A, C)
    await vi.waitFor(() => expect(store.conversation(A, C).summary).toEqual({ text: '0 messages', offline: true }), WAIT)
    expect(store.conversation(A, C).summaryLoading).toBe(false)
  })

  it('shows an error the server reports outside any request as a banner', async () => {
    const { store, socket } = await connectedStore()
    backend.emit('u1')('agent:error', { agentKey: A, contactId: C, error: 'The tasks of this message could not be saved.', code: 'task_not_created' })
    await roundTrip(socket)
    expect(store.conversation(A, C).error).toEqual({ message: 'The tasks of this message could not be saved.', code: 'task_not_created' })
  })

  it('lists a created task once even when the event comes twice', async () => {
    const { store, socket } = await connectedStore()
    const task = { id: 't1', title: 'Call back', status: 'open', dueDate: null, agentKey: A, contactId: C, sourceMessageId: null, source: 'chat', createdAt: '', updatedAt: '' }
    backend.emit('u1')('agent:task-created', { agentKey: A, contactId: C, task })
    backend.emit('u1')('agent:task-created', { agentKey: A, contactId: C, task })
    await roundTrip(socket)
    expect(store.conversation(A, C).tasks).toHaveLength(1)
  })

  it('opens the slot picker on a meeting request; a taken slot is refused, the slots refresh, another books', async () => {
    backend.state.onSend = (ctx) => ctx.reply(['Vamos marcar!']).then(() => undefined)
    const { store } = await connectedStore()
    store.send(A, C, 'Quero agendar uma reunião')
    const conv = store.conversation(A, C)
    await vi.waitFor(() => expect(conv.slotRequest).not.toBeNull(), WAIT)
    expect(conv.slotRequest).toMatchObject({ email: 'ana@example.com', suggestedDate: '2030-01-02', suggestedTime: '15:00' })

    const calendar = useCalendar()
    await calendar.loadSlots('2030-01-02', A)
    expect(calendar.slots.value.map((s) => s.start)).toContain('15:00')
    expect(calendar.timezone.value).toBe('America/Sao_Paulo')

    // Someone else takes 15:00 through their own socket before this person confirms.
    const rival = backend.login('u2').access_token
    const other = client({ auth: { token: rival } })
    other.connect()
    const taken = await other.timeout(2000).emitWithAck('agent:schedule-confirm', { agentKey: A, contactId: 'x', date: '2030-01-02', time: '15:00', email: 'b@example.com', phone: '' })
    expect(taken.ok).toBe(true)

    const base = { agentKey: A, contactId: C, date: '2030-01-02', email: 'ana@example.com', phone: '' }
    expect(await calendar.confirm({ ...base, time: '15:00' })).toMatchObject({ code: 'slot_taken' })
    expect(conv.error).toBeNull() // the picker shows the refusal; no second banner behind it
    expect(conv.slotRequest).not.toBeNull()
    expect(conv.bookings).toHaveLength(0)
    await calendar.loadSlots('2030-01-02', A)
    expect(calendar.slots.value.map((s) => s.start)).not.toContain('15:00')

    expect(await calendar.confirm({ ...base, time: '16:00' })).toBeNull()
    await vi.waitFor(() => expect(conv.bookings.map((b) => b.time)).toEqual(['16:00']), WAIT)
    expect(conv.slotRequest).toBeNull()
    await vi.waitFor(() => expect(conv.messages.some((m) => m.author === 'system')).toBe(true), WAIT)
  })
})

describe('auto-create', () => {
  it('shows the server state on load, keeps a toggle after a reload and follows other tabs', async () => {
    const { store } = await connectedStore()
    await store.loadAgents()
    expect(store.autoCreate).toEqual({ sdr: false, support: false })

    expect(await store.setAutoCreate(A, true)).toBe(true)
    expect(backend.autoCreateOf(A)).toBe(true)
    expect(store.autoCreate[A]).toBe(true)

    // A reload: a new store that knows only what GET /agents says.
    setActivePinia(createPinia())
    const reloaded = useAgentsStore()
    await reloaded.loadAgents()
    expect(reloaded.autoCreate).toEqual({ sdr: true, support: false })

    // Another tab switches it off; this one hears it.
    const otherTab = client()
    otherTab.connect()
    await otherTab.timeout(2000).emitWithAck('agent:set-auto-create', { agentKey: A, autoCreate: false })
    await vi.waitFor(() => expect(store.autoCreate[A]).toBe(false), WAIT)
  })

  it('picks up a switch changed while disconnected', async () => {
    const { store } = await connectedStore()
    await store.loadAgents()
    const release = await dropAndHold(store)
    backend.setAutoCreate('support', true)
    release()
    await vi.waitFor(() => expect(store.autoCreate.support).toBe(true), WAIT)
  })
})

describe('history', () => {
  it('loads the newest page on open and pages back from the oldest message', async () => {
    const stored = Array.from({ length: 35 }, (_, i) => backend.store({ agentKey: A, contactId: C, author: i % 2 ? 'agent' : 'user', text: `t${i}` }))
    const { store } = await connectedStore()
    await store.open(A, C)
    const conv = store.conversation(A, C)
    expect(conv.messages.map((m) => m.id)).toEqual(stored.slice(5).map((m) => m.id))
    expect(conv.hasMore).toBe(true)

    await store.loadOlder(A, C)
    expect(backend.state.rest[backend.state.rest.length - 1]!.query).toMatchObject({ before: stored[5]!.id })
    expect(conv.messages.map((m) => m.id)).toEqual(stored.map((m) => m.id))
    expect(conv.hasMore).toBe(false)
  })

  it('merges a history page with live messages without duplicates', async () => {
    const { store, socket } = await connectedStore()
    const live = backend.store({ agentKey: A, contactId: C, author: 'agent', text: 'live' })
    backend.emit('u1')('agent:message', live)
    await roundTrip(socket)
    await store.open(A, C)
    expect(store.conversation(A, C).messages.map((m) => m.id)).toEqual([live.id])
  })
})

describe('reconnection', () => {
  it('queues messages typed while disconnected and sends each once on reconnect, after catching up', async () => {
    const first = backend.store({ agentKey: A, contactId: C, author: 'user', text: 'before' })
    const { store } = await connectedStore()
    await store.open(A, C)

    const release = await dropAndHold(store)
    store.send(A, C, 'one')
    store.send(A, C, 'two')
    const conv = store.conversation(A, C)
    expect(conv.messages.filter((m) => m.status === 'queued')).toHaveLength(2)

    const missed = backend.store({ agentKey: A, contactId: C, author: 'agent', text: 'missed while away' })
    backend.state.log.length = 0
    release()
    await vi.waitFor(() => expect(userMessages(store).map((m) => m.status)).toEqual(['sent', 'sent', 'sent']), WAIT)

    expect(backend.state.sends.map((s) => s.message)).toEqual(['one', 'two'])
    const catchUp = backend.state.log.findIndex((l) => l.includes(`after=${first.id}`))
    expect(catchUp).toBeGreaterThanOrEqual(0)
    expect(catchUp).toBeLessThan(backend.state.log.indexOf('send one')) // caught up before sending
    expect(conv.messages.some((m) => m.id === missed.id)).toBe(true)
    expect(texts(backend.conversation(A, C).filter((m) => m.author === 'user'))).toEqual(['before', 'one', 'two'])
    expect(texts(userMessages(store))).toEqual(['before', 'one', 'two'])
  })

  it('resends an in-flight message after a drop with its clientMessageId; the server keeps one copy', async () => {
    // The server stores the message, but the drop loses its echo and ack.
    backend.state.holdAck = () => (backend.state.sends.length === 1 ? 'after-store' : false)
    const { store } = await connectedStore()
    const local = store.send(A, C, 'in flight')!
    await vi.waitFor(() => expect(backend.state.sends).toHaveLength(1), WAIT)
    const release = await dropAndHold(store)
    const message = store.conversation(A, C).messages[0]!
    expect(message.status).toBe('queued')
    await new Promise((r) => setTimeout(r, 20)) // the stale ack's rejection has run
    expect(message.status).toBe('queued')

    release()
    await vi.waitFor(() => expect(message.status).toBe('sent'), WAIT)
    expect(backend.state.sends.map((s) => s.clientMessageId)).toEqual([local.clientMessageId, local.clientMessageId])
    const stored = backend.conversation(A, C)
    expect(stored).toHaveLength(1)
    expect(store.conversation(A, C).messages.map((m) => m.id)).toEqual([stored[0]!.id])
  })

  it('a second drop while flushing the queue sends nothing twice', async () => {
    const { store } = await connectedStore()
    await store.open(A, C)
    const release = await dropAndHold(store)
    store.send(A, C, 'one')
    store.send(A, C, 'two')
    // On the first delivery the server stores 'one' and the connection flaps at once.
    let flapped = false
    backend.state.holdAck = (p) => {
      if (flapped || p.message !== 'one') return false
      flapped = true
      setTimeout(() => backend.dropConnections(), 5)
      return 'after-store'
    }
    release()
    await vi.waitFor(() => expect(userMessages(store).map((m) => m.status)).toEqual(['sent', 'sent']), WAIT)
    expect(flapped).toBe(true)
    // The catch-up after the flap finds the stored 'one' by its clientMessageId: no resend.
    expect(backend.state.sends.map((s) => s.message)).toEqual(['one', 'two'])
    expect(texts(backend.conversation(A, C))).toEqual(['one', 'two'])
    expect(texts(userMessages(store))).toEqual(['one', 'two'])
  })

  it('follows `after` pages until the server has no more', async () => {
    const first = backend.store({ agentKey: A, contactId: C, author: 'user', text: 'first' })
    const { store } = await connectedStore()
    await store.open(A, C)
    const release = await dropAndHold(store)
    backend.state.pageCap = 2
    const missed = [1, 2, 3].map((i) => backend.store({ agentKey: A, contactId: C, author: 'agent', text: `m${i}` }))
    release()
    await vi.waitFor(() => expect(store.conversation(A, C).messages).toHaveLength(4), WAIT)
    const cursors = backend.state.rest.filter((r) => r.query.after).map((r) => r.query.after)
    expect(cursors).toEqual([first.id, missed[1]!.id])
    expect(store.conversation(A, C).messages.map((m) => m.id)).toEqual([first, ...missed].map((m) => m.id))
  })
})
