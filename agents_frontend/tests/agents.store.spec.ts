import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { AgentMessageEvent } from '@/types/events'

const history = vi.fn()
vi.mock('@/services/api', async (original) => {
  const real = await original<typeof import('@/services/api')>()
  return {
    ...real,
    agentsApi: { list: vi.fn(async () => ({ agents: [], offline: true })), history: (...a: unknown[]) => history(...a) },
    tasksApi: { list: vi.fn(async () => []) },
  }
})

import { useAgentsStore } from '@/stores/agents'
import { FakeSocket, settle } from './fakeSocket'

const A = 'sdr'
const C = 'default'
let seq = 0
function serverMessage(over: Partial<AgentMessageEvent> = {}): AgentMessageEvent {
  seq += 1
  return {
    agentKey: A,
    contactId: C,
    id: `m${String(seq).padStart(4, '0')}`,
    author: 'agent',
    text: `text ${seq}`,
    timestamp: 1_700_000_000_000 + seq,
    offline: false,
    ...over,
  }
}

function setup() {
  const store = useAgentsStore()
  const socket = new FakeSocket()
  store.bind(socket.asChatSocket())
  socket.connect()
  return { store, socket }
}

beforeEach(() => {
  setActivePinia(createPinia())
  history.mockReset()
  history.mockResolvedValue({ messages: [], hasMore: false })
})

describe('sending and reconciliation', () => {
  it('shows an own message at once and replaces it with the server copy, never twice', async () => {
    const { store, socket } = setup()
    const local = store.send(A, C, '  hello  ')!
    const conv = store.conversation(A, C)
    expect(conv.messages).toHaveLength(1)
    expect(conv.messages[0]!.text).toBe('hello')
    expect(conv.messages[0]!.status).toBe('sending')

    const request = socket.sent[0]!
    expect(request.event).toBe('agent:send')
    const payload = request.payload as { clientMessageId: string; message: string }
    expect(payload.clientMessageId).toBe(local.clientMessageId)

    const copy = serverMessage({ author: 'user', text: 'hello', clientMessageId: payload.clientMessageId })
    socket.serverEmit('agent:message', copy)
    request.answer({ ok: true, messageId: copy.id })
    await settle()

    expect(conv.messages).toHaveLength(1)
    expect(conv.messages[0]!.id).toBe(copy.id)
    expect(conv.messages[0]!.status).toBe('sent')
    expect(conv.messages[0]!.key).toBe(local.key)
  })

  it('keeps one copy when the ack comes before the server echo', async () => {
    const { store, socket } = setup()
    store.send(A, C, 'hi')
    const request = socket.sent[0]!
    const cmid = (request.payload as { clientMessageId: string }).clientMessageId
    request.answer({ ok: true, messageId: 'srv1' })
    await settle()
    socket.serverEmit('agent:message', serverMessage({ id: 'srv1', author: 'user', text: 'hi', clientMessageId: cmid }))
    expect(store.conversation(A, C).messages.map((m) => m.id)).toEqual(['srv1'])
  })

  it('ignores empty input', () => {
    const { store, socket } = setup()
    expect(store.send(A, C, '   ')).toBeNull()
    expect(socket.sent).toHaveLength(0)
  })

  it('marks a refused send as failed, and retry resends with the same clientMessageId', async () => {
    const { store, socket } = setup()
    const local = store.send(A, C, 'x')!
    socket.sent[0]!.answer({ ok: false, error: { code: 'message_too_long', message: 'too long' } })
    await settle()
    const message = store.conversation(A, C).messages[0]!
    expect(message.status).toBe('failed')
    expect(message.error).toBe('too long')

    store.retry(message)
    expect(socket.sent).toHaveLength(2)
    expect((socket.sent[1]!.payload as { clientMessageId: string }).clientMessageId).toBe(local.clientMessageId)
  })

  it('shows a failed reply on the message it answers, and retry asks again', async () => {
    const { store, socket } = setup()
    store.send(A, C, 'q')
    const cmid = (socket.sent[0]!.payload as { clientMessageId: string }).clientMessageId
    socket.serverEmit('agent:message', serverMessage({ id: 'u1', author: 'user', text: 'q', clientMessageId: cmid }))
    socket.sent[0]!.answer({ ok: true, messageId: 'u1' })
    await settle()
    socket.serverEmit('agent:error', { agentKey: A, contactId: C, error: 'model down', code: 'llm_unavailable', messageId: 'u1' })
    const message = store.conversation(A, C).messages[0]!
    expect(message.replyError).toBe('model down')
    store.retry(message)
    expect(message.replyError).toBeUndefined()
    expect((socket.sent[1]!.payload as { clientMessageId: string }).clientMessageId).toBe(cmid)
  })
})

describe('streaming', () => {
  it('assembles chunks into one bubble that the final message replaces', () => {
    const { store, socket } = setup()
    for (const delta of ['Olá', ', ', 'tudo', ' bem?']) {
      socket.serverEmit('agent:stream', { agentKey: A, contactId: C, id: 'r1', delta })
    }
    const conv = store.conversation(A, C)
    expect(conv.messages).toHaveLength(1)
    expect(conv.messages[0]!.text).toBe('Olá, tudo bem?')
    expect(conv.messages[0]!.status).toBe('streaming')

    socket.serverEmit('agent:message', serverMessage({ id: 'r1', text: 'Olá, tudo bem?' }))
    socket.serverEmit('agent:stream', { agentKey: A, contactId: C, id: 'r1', delta: ' late' })
    expect(conv.messages).toHaveLength(1)
    expect(conv.messages[0]!.status).toBe('sent')
    expect(conv.messages[0]!.text).toBe('Olá, tudo bem?')
  })

  it('keeps conversations apart by agent and contact', () => {
    const { store, socket } = setup()
    socket.serverEmit('agent:stream', { agentKey: A, contactId: 'other', id: 'r9', delta: 'x' })
    socket.serverEmit('agent:typing', { agentKey: 'support', contactId: C, typing: true })
    expect(store.conversation(A, C).messages).toHaveLength(0)
    expect(store.conversation(A, 'other').messages).toHaveLength(1)
    expect(store.conversation('support', C).typing).toBe(true)
    expect(store.conversation(A, C).typing).toBe(false)
  })
})

describe('other server events', () => {
  it('records suggestions, slot requests, summaries, auto-create, tasks and bookings', () => {
    const { store, socket } = setup()
    socket.serverEmit('agent:suggestions', { agentKey: A, contactId: C, replyTo: 'r1', suggestions: ['a', 'b'] })
    socket.serverEmit('agent:show-slot-picker', { agentKey: A, contactId: C, messageId: 'u1', email: 'a@b.co', phone: null, suggestedDate: '2030-01-02', suggestedTime: '15:00' })
    socket.serverEmit('agent:summary', { agentKey: A, contactId: C, summary: 'sum', offline: true })
    socket.serverEmit('agent:auto-create-updated', { agentKey: A, autoCreate: true })
    const task = { id: 't1', title: 'Call back', status: 'open', dueDate: null, agentKey: A, contactId: C, sourceMessageId: null, source: 'chat', createdAt: '', updatedAt: '' }
    socket.serverEmit('agent:task-created', { agentKey: A, contactId: C, task })
    socket.serverEmit('agent:task-created', { agentKey: A, contactId: C, task })
    const conv = store.conversation(A, C)
    expect(conv.suggestions).toEqual(['a', 'b'])
    expect(conv.slotRequest?.suggestedTime).toBe('15:00')
    expect(conv.summary).toEqual({ text: 'sum', offline: true })
    expect(store.autoCreate[A]).toBe(true)
    expect(conv.tasks).toHaveLength(1)

    socket.serverEmit('agent:schedule-confirm', { agentKey: A, contactId: C, event: { id: 'b1', date: '2030-01-02', time: '15:00' } })
    expect(conv.bookings).toHaveLength(1)
    expect(conv.slotRequest).toBeNull()
  })

  it('clears suggestions when the person sends again', () => {
    const { store, socket } = setup()
    socket.serverEmit('agent:suggestions', { agentKey: A, contactId: C, replyTo: 'r1', suggestions: ['a'] })
    store.send(A, C, 'next')
    expect(store.conversation(A, C).suggestions).toEqual([])
  })
})

describe('history', () => {
  it('loads the newest page on open and pages back from the oldest message', async () => {
    const { store } = setup()
    const newer = [serverMessage(), serverMessage()]
    const older = [serverMessage({ timestamp: 1 }), serverMessage({ timestamp: 2 })]
    history.mockResolvedValueOnce({ messages: newer, hasMore: true })
    await store.open(A, C)
    const conv = store.conversation(A, C)
    expect(conv.messages.map((m) => m.id)).toEqual(newer.map((m) => m.id))

    history.mockResolvedValueOnce({ messages: older, hasMore: false })
    await store.loadOlder(A, C)
    expect(history).toHaveBeenLastCalledWith(A, C, expect.objectContaining({ before: newer[0]!.id }))
    expect(conv.messages.map((m) => m.id)).toEqual([...older, ...newer].map((m) => m.id))
    expect(conv.hasMore).toBe(false)
  })

  it('merges a history page with live messages without duplicates', async () => {
    const { store, socket } = setup()
    const live = serverMessage()
    socket.serverEmit('agent:message', live)
    history.mockResolvedValueOnce({ messages: [live], hasMore: false })
    await store.open(A, C)
    expect(store.conversation(A, C).messages).toHaveLength(1)
  })
})

describe('reconnection', () => {
  it('queues messages typed while disconnected and sends each once on reconnect, after catching up', async () => {
    const { store, socket } = setup()
    const first = serverMessage({ author: 'user' })
    history.mockResolvedValueOnce({ messages: [first], hasMore: false })
    await store.open(A, C)

    socket.drop()
    expect(store.connection).toBe('disconnected')
    store.send(A, C, 'one')
    store.send(A, C, 'two')
    const conv = store.conversation(A, C)
    expect(conv.messages.filter((m) => m.status === 'queued')).toHaveLength(2)
    expect(socket.sent).toHaveLength(0)

    const missed = serverMessage({ text: 'missed while away' })
    history.mockResolvedValueOnce({ messages: [missed], hasMore: false })
    socket.connect()
    // A second connect event (e.g. a quick flap) must not send anything twice.
    socket.serverEmit('connect')
    await settle()
    expect(history).toHaveBeenLastCalledWith(A, C, expect.objectContaining({ after: first.id }))
    expect(conv.messages.some((m) => m.id === missed.id)).toBe(true)

    // Deliveries go one after another: answer each as it comes.
    for (let i = 0; i < 2; i += 1) {
      const req = socket.sent[i]!
      req.answer({ ok: true, messageId: `srv-${i}` })
      await settle()
    }
    await settle()
    const texts = socket.sent.map((s) => (s.payload as { message: string }).message)
    expect(texts).toEqual(['one', 'two'])
    expect(conv.messages.filter((m) => m.status === 'sent' && m.author === 'user').map((m) => m.text)).toEqual([first.text, 'one', 'two'])
  })

  it('resends an in-flight message after a drop with its clientMessageId, ignoring the stale ack', async () => {
    const { store, socket } = setup()
    const local = store.send(A, C, 'in flight')!
    const stale = socket.sent[0]!
    socket.drop()
    expect(store.conversation(A, C).messages[0]!.status).toBe('queued')
    stale.fail(new Error('operation has timed out'))
    await settle()
    expect(store.conversation(A, C).messages[0]!.status).toBe('queued')

    socket.connect()
    await settle()
    expect(socket.sent).toHaveLength(2)
    expect((socket.sent[1]!.payload as { clientMessageId: string }).clientMessageId).toBe(local.clientMessageId)
  })

  it('follows `after` pages until the server has no more', async () => {
    const { store, socket } = setup()
    const first = serverMessage()
    history.mockResolvedValueOnce({ messages: [first], hasMore: false })
    await store.open(A, C)
    socket.drop()
    const p1 = [serverMessage(), serverMessage()]
    const p2 = [serverMessage()]
    history.mockResolvedValueOnce({ messages: p1, hasMore: true }).mockResolvedValueOnce({ messages: p2, hasMore: false })
    socket.connect()
    await settle(10)
    expect(history).toHaveBeenCalledWith(A, C, expect.objectContaining({ after: p1[1]!.id }))
    expect(store.conversation(A, C).messages.map((m) => m.id)).toEqual([first, ...p1, ...p2].map((m) => m.id))
  })
})
