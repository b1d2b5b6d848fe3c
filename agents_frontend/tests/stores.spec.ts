/**
 * The stores' own logic, with no server and no socket: what the conversations store does
 * with an event, how the outbox keeps entries per account, how the connection reports.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useConnectionStore } from '@/stores/connection'
import { useConversationsStore } from '@/stores/conversations'
import { outboxKey, readOutbox, useOutboxStore } from '@/stores/outbox'
import type { Task } from '@/types/events'

const A = 'sdr'
const C = 'default'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

describe('conversations: server events', () => {
  it('shows an error the server reports outside any request as a banner of its conversation', () => {
    const store = useConversationsStore()
    store.onError({ agentKey: A, contactId: C, error: 'The tasks could not be saved.', code: 'task_not_created' })
    expect(store.conversation(A, C).error).toEqual({ message: 'The tasks could not be saved.', code: 'task_not_created' })
    store.onError({ agentKey: null, contactId: null, error: 'Unknown event', code: 'unknown_event' })
    expect(store.lastError?.code).toBe('unknown_event')
  })

  it('puts a failed reply on the message it answers, and no banner', () => {
    const store = useConversationsStore()
    store.onMessage({ agentKey: A, contactId: C, id: 'm1', author: 'user', text: 'q', timestamp: 1, offline: false })
    store.onError({ agentKey: A, contactId: C, error: 'model down', code: 'llm_unavailable', messageId: 'm1' })
    expect(store.conversation(A, C).messages[0]!.replyError).toBe('model down')
    expect(store.conversation(A, C).error).toBeNull()
  })

  it('leaves a refusal to the request awaiting its ack, and the end of a session to the socket plugin', async () => {
    const store = useConversationsStore()
    let answer: () => void = () => {}
    const pending = store.withAck(A, C, () => new Promise<void>((resolve) => (answer = resolve)))
    store.onError({ agentKey: A, contactId: C, error: 'That time was just booked.', code: 'slot_taken' })
    store.onError({ agentKey: A, contactId: 'other', error: 'Your session expired.', code: 'token_expired' })
    answer()
    await pending
    expect(store.conversation(A, C).error).toBeNull()
    expect(store.conversation(A, 'other').error).toBeNull()
    expect(store.awaiting).toEqual({})
  })

  it('lists a task once even when the event comes twice', () => {
    const store = useConversationsStore()
    const task: Task = { id: 't1', title: 'Call back', status: 'open', dueDate: null, agentKey: A, contactId: C, sourceMessageId: null, source: 'chat', createdAt: '', updatedAt: '' }
    store.onTaskCreated({ agentKey: A, contactId: C, task })
    store.onTaskCreated({ agentKey: A, contactId: C, task })
    expect(store.conversation(A, C).tasks).toHaveLength(1)
  })

  it('stops every typing indicator when the connection drops', () => {
    const store = useConversationsStore()
    store.onTyping({ agentKey: A, contactId: C, typing: true })
    store.onTyping({ agentKey: 'support', contactId: C, typing: true })
    store.onDisconnected()
    expect([store.conversation(A, C).typing, store.conversation('support', C).typing]).toEqual([false, false])
  })
})

describe('outbox: kept per account', () => {
  it('keeps a message typed without a connection under the account, shown as queued', () => {
    const outbox = useOutboxStore()
    outbox.load('u1')
    const message = outbox.send(A, C, '  hello  ')!
    expect(message).toMatchObject({ text: 'hello', status: 'queued', author: 'user' })
    expect(readOutbox('u1')).toEqual([expect.objectContaining({ clientMessageId: message.clientMessageId, text: 'hello' })])
    expect(readOutbox('u2')).toEqual([])
    expect(outbox.waiting).toBe(1)
  })

  it('adds to what another tab of the account stored, never over it', () => {
    const outbox = useOutboxStore()
    outbox.load('u1')
    const other = { clientMessageId: 'other-tab', agentKey: A, contactId: C, text: 'from the other tab', timestamp: 1 }
    localStorage.setItem(outboxKey('u1'), JSON.stringify([other]))
    outbox.send(A, C, 'from this tab')
    expect(readOutbox('u1').map((e) => e.text)).toEqual(['from the other tab', 'from this tab'])
    outbox.acknowledged(outbox.entries[0]!.clientMessageId)
    expect(readOutbox('u1').map((e) => e.text)).toEqual(['from the other tab'])
  })

  it('shows the stored entries in their conversations on load, and forgets them (not the storage) on sign-out', () => {
    const stored = [{ clientMessageId: 'c1', agentKey: A, contactId: 'ana', text: 'waiting', timestamp: 1 }]
    localStorage.setItem(outboxKey('u1'), JSON.stringify(stored))
    const outbox = useOutboxStore()
    outbox.load('u1')
    expect(useConversationsStore().conversation(A, 'ana').messages.map((m) => [m.text, m.status])).toEqual([['waiting', 'queued']])
    outbox.unload()
    expect(outbox.entries).toEqual([])
    expect(readOutbox('u1')).toHaveLength(1)
  })

  it('reads a damaged entry list as empty', () => {
    localStorage.setItem(outboxKey('u1'), '{not json')
    expect(readOutbox('u1')).toEqual([])
    localStorage.setItem(outboxKey('u1'), JSON.stringify([{ nothing: true }, null]))
    expect(readOutbox('u1')).toEqual([])
  })
})

describe('connection', () => {
  it('tells a first connection from a reconnection, and a renewal from a lost connection', () => {
    const connection = useConnectionStore()
    connection.markConnecting()
    expect([connection.state, connection.interrupted]).toEqual(['connecting', false])
    expect(connection.markConnected()).toBe(false)
    connection.markDisconnected(true)
    expect([connection.state, connection.interrupted]).toEqual(['renewing', false])
    expect(connection.markConnected()).toBe(true)
    connection.markDisconnected(false)
    expect(connection.interrupted).toBe(true)
    connection.reset()
    expect([connection.state, connection.everConnected]).toEqual(['idle', false])
  })
})
