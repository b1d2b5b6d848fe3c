/**
 * The chat stores against the real backend (offline responder): sending and
 * reconciliation, streaming, tabs, suggestions, summary, tasks, the slot picker, the
 * auto-create switches, history paging and reconnection. Everything goes over real HTTP
 * and a real socket; waits are on what the stores show, never on the clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { watch } from 'vue'
import { useCalendar } from '@/composables/useCalendar'
import { HISTORY_PAGING } from '@/stores/conversations'
import type { ChatMessage } from '@/types/chat'
import {
  bookAsSomeoneElse,
  chatElsewhere,
  goOffline,
  goOnline,
  onceEach,
  signIn,
  signUp,
  startApp,
  stopApps,
  storedExchange,
  storedMessages,
  until,
  wire,
  type TestApp,
} from './support/app'

const A = 'support'
const C = 'default'
const PAGING = { ...HISTORY_PAGING }

const texts = (list: { text: string }[]) => list.map((m) => m.text)
const own = (app: TestApp, agentKey = A, contactId = C) =>
  app.conversations.conversation(agentKey, contactId).messages.filter((m) => m.author === 'user')
const replies = (app: TestApp, agentKey = A, contactId = C) =>
  app.conversations.conversation(agentKey, contactId).messages.filter((m) => m.author === 'agent')

function answered(app: TestApp, message: ChatMessage): Promise<void> {
  const conv = app.conversations.conversation(message.agentKey, message.contactId)
  return until(
    () => message.id && conv.messages.some((m) => m.replyTo === message.id && m.status === 'sent'),
    `the reply to "${message.text}"`,
  )
}

async function chat(app: TestApp, text: string, agentKey = A, contactId = C): Promise<ChatMessage> {
  const message = app.outbox.send(agentKey, contactId, text)!
  await answered(app, message)
  return message
}

async function signedIn(): Promise<TestApp> {
  const app = startApp()
  await signUp(app)
  return app
}

/** Another tab of the same person: its own app, signed in with the same account. */
async function secondTab(account: Awaited<ReturnType<typeof signUp>>): Promise<TestApp> {
  const tab = startApp()
  await signIn(tab, account)
  return tab
}

beforeEach(() => {
  localStorage.clear()
  wire.length = 0
})

afterEach(() => {
  stopApps()
  Object.assign(HISTORY_PAGING, PAGING)
})

describe('sending', () => {
  it('shows an own message at once, as sending, and reconciles it with the server copy', async () => {
    const app = await signedIn()
    const local = app.outbox.send(A, C, '  hello  ')!
    const conv = app.conversations.conversation(A, C)
    expect(texts(conv.messages)).toEqual(['hello'])
    expect(local.status).toBe('sending')
    expect(app.outbox.entries.map((e) => e.clientMessageId)).toEqual([local.clientMessageId])

    await answered(app, local)
    const stored = await storedMessages(app.auth.accessToken!, A)
    expect(stored[0]).toMatchObject({ author: 'user', text: 'hello', clientMessageId: local.clientMessageId })
    expect(own(app).map((m) => [m.key, m.id, m.status])).toEqual([[local.key, stored[0]!.id, 'sent']])
    expect(replies(app).map((m) => m.id)).toEqual([stored[1]!.id])
    expect(app.outbox.entries).toEqual([])
    expect(conv.typing).toBe(false)
  })

  it('ignores empty input', async () => {
    const app = await signedIn()
    expect(app.outbox.send(A, C, '   ')).toBeNull()
    expect(app.sends).toEqual([])
    expect(app.outbox.entries).toEqual([])
  })

  it('marks a refused send as failed once; retry resends with the same clientMessageId', async () => {
    const app = await signedIn()
    const local = app.outbox.send(A, C, 'x'.repeat(4001))!
    await until(() => local.status === 'failed', 'the refusal')
    expect(local.error).toBe('The message is longer than 4000 characters.')
    expect(app.conversations.conversation(A, C).error).toBeNull() // on the message, not a banner too
    expect(app.outbox.entries).toEqual([]) // refused for good: nothing to resend after a reload

    app.outbox.retry(local)
    await until(() => app.sends.length === 2 && local.status === 'failed', 'the second refusal')
    expect(app.sends.map((s) => s.clientMessageId)).toEqual([local.clientMessageId, local.clientMessageId])
  })
})

describe('streaming and tabs', () => {
  it('grows one bubble chunk by chunk, which the stored reply replaces', async () => {
    const app = await signedIn()
    const seen: string[] = []
    const stop = watch(
      () => replies(app).find((m) => m.status === 'streaming')?.text,
      (text) => text && seen.push(text),
      { flush: 'sync' },
    )
    const message = await chat(app, 'Olá, quero saber mais sobre o produto')
    stop()
    const reply = replies(app)
    expect(reply).toHaveLength(1)
    expect(seen.length).toBeGreaterThanOrEqual(2)
    for (const partial of seen) expect(reply[0]!.text.startsWith(partial)).toBe(true)
    const stored = await storedMessages(app.auth.accessToken!, A)
    expect(reply[0]).toMatchObject({ id: stored[1]!.id, text: stored[1]!.text, replyTo: message.id, status: 'sent' })
  })

  it('keeps conversations apart by agent and contact', async () => {
    const app = await signedIn()
    await Promise.all([chat(app, 'to support', 'support', 'ana'), chat(app, 'to sdr', 'sdr', 'bia')])
    expect(texts(own(app, 'support', 'ana'))).toEqual(['to support'])
    expect(texts(own(app, 'sdr', 'bia'))).toEqual(['to sdr'])
    expect(app.conversations.conversation('support', 'bia').messages).toEqual([])
    expect(replies(app, 'sdr', 'bia')).toHaveLength(1)
  })

  it('every tab of the person sees the same conversation', async () => {
    const first = startApp()
    const account = await signUp(first)
    const second = await secondTab(account)
    const message = await chat(first, 'from tab one')
    await until(() => replies(second).some((m) => m.replyTo === message.id && m.status === 'sent'), 'the reply in tab two')
    expect(texts(own(second))).toEqual(['from tab one'])
    expect(second.conversations.conversation(A, C).messages.map((m) => m.status)).toEqual(['sent', 'sent'])
  })
})

describe('suggestions, summary, tasks and the slot picker', () => {
  it('records suggestions and clears them when the person sends again', async () => {
    const app = await signedIn()
    await chat(app, 'Olá, quero saber mais sobre o produto')
    const conv = app.conversations.conversation(A, C)
    await until(() => conv.suggestions.length > 0, 'the suggestions')
    app.outbox.send(A, C, 'next')
    expect(conv.suggestions).toEqual([])
  })

  it('asks for a summary and shows it', async () => {
    const app = await signedIn()
    await chat(app, 'Meu pedido não chegou')
    const conv = app.conversations.conversation(A, C)
    await app.conversations.requestSummary(A, C)
    await until(() => conv.summary !== null, 'the summary')
    expect(conv.summary!.text.length).toBeGreaterThan(0)
    expect(conv.summaryLoading).toBe(false)
    expect(conv.error).toBeNull()
  })

  it('lists a task made from a message once, live and after loading the conversation', async () => {
    const app = await signedIn()
    expect(await app.catalogue.setAutoCreate(A, true)).toBe(true)
    await chat(app, 'Me lembre de enviar o contrato amanhã')
    const conv = app.conversations.conversation(A, C)
    await until(() => conv.tasks.length === 1, 'the task')
    await app.conversations.open(A, C)
    await until(() => !conv.loading, 'the history')
    expect(conv.tasks).toHaveLength(1)
    expect(conv.tasks[0]!.title.toLowerCase()).toContain('contrato')
  })

  it('a meeting request opens the slot picker; a slot taken meanwhile is refused, another books', async () => {
    const app = await signedIn()
    await chat(app, 'Quero agendar uma reunião amanhã às 15h, meu email é ana@example.com', 'sdr')
    const conv = app.conversations.conversation('sdr', C)
    await until(() => conv.slotRequest !== null, 'the slot picker')
    expect(conv.slotRequest).toMatchObject({ email: 'ana@example.com' })

    const calendar = useCalendar()
    const day = conv.slotRequest!.suggestedDate!
    await calendar.loadSlots(day, 'sdr')
    const taken = calendar.slots.value[0]?.start
    expect(taken).toBeTruthy()

    // Someone else books that very slot through their own socket before the confirm.
    await bookAsSomeoneElse({ agentKey: 'sdr', date: day, time: taken! })

    const base = { agentKey: 'sdr', contactId: C, date: day, email: 'ana@example.com', phone: '' }
    expect(await calendar.confirm({ ...base, time: taken! })).toMatchObject({ code: 'slot_taken' })
    expect(conv.error).toBeNull() // the picker shows the refusal; no second banner behind it
    expect(conv.slotRequest).not.toBeNull()
    await calendar.loadSlots(day, 'sdr')
    expect(calendar.slots.value.map((s) => s.start)).not.toContain(taken)

    const free = calendar.slots.value[0]!.start
    expect(await calendar.confirm({ ...base, time: free })).toBeNull()
    await until(() => conv.bookings.length === 1 && conv.slotRequest === null, 'the booking')
    expect(conv.bookings[0]!.time).toBe(free)
    await until(() => conv.messages.some((m) => m.author === 'system'), 'the system note')
  })
})

describe('auto-create', () => {
  it('shows the saved state on load, after a reload and as another tab changes it', async () => {
    const app = startApp()
    const account = await signUp(app)
    await app.catalogue.loadAgents()
    expect(app.catalogue.autoCreate[A]).toBe(false)
    expect(await app.catalogue.setAutoCreate(A, true)).toBe(true)

    const reloaded = startApp()
    await until(() => reloaded.connection.connected, 'the reload to connect')
    await reloaded.catalogue.loadAgents()
    expect(reloaded.catalogue.autoCreate).toMatchObject({ [A]: true, sdr: false })

    const other = await secondTab(account)
    expect(await other.catalogue.setAutoCreate(A, false)).toBe(true)
    await until(() => app.catalogue.autoCreate[A] === false && reloaded.catalogue.autoCreate[A] === false, 'the change to reach both')
  })

  it('picks up a switch changed while disconnected', async () => {
    const app = startApp()
    const account = await signUp(app)
    await app.catalogue.loadAgents()
    await goOffline(app)
    const other = await secondTab(account)
    expect(await other.catalogue.setAutoCreate('sdr', true)).toBe(true)
    await goOnline(app)
    await until(() => app.catalogue.autoCreate.sdr === true, 'the switch after the reconnection')
  })
})

describe('history', () => {
  it('loads the newest page on open and pages back from the oldest message', async () => {
    HISTORY_PAGING.page = 4
    const app = startApp()
    const account = await signUp(app)
    for (const text of ['one', 'two', 'three']) await chat(app, text)
    const stored = await storedMessages(app.auth.accessToken!, A)
    app.stop()

    const reloaded = startApp()
    await until(() => reloaded.auth.user?.email === account.email, 'the stored session')
    await reloaded.conversations.open(A, C)
    const conv = reloaded.conversations.conversation(A, C)
    expect(conv.messages.map((m) => m.id)).toEqual(stored.slice(2).map((m) => m.id))
    expect(conv.hasMore).toBe(true)

    await reloaded.conversations.loadOlder(A, C)
    expect(wire.filter((w) => w.includes(`before=${stored[2]!.id}`))).toHaveLength(1)
    expect(conv.messages.map((m) => m.id)).toEqual(stored.map((m) => m.id))
    expect(conv.hasMore).toBe(false)
  })

  it('merges a history page with live messages without duplicates', async () => {
    const app = await signedIn()
    const live = await chat(app, 'live first')
    await app.conversations.open(A, C)
    const stored = await storedMessages(app.auth.accessToken!, A)
    expect(app.conversations.conversation(A, C).messages.map((m) => m.id)).toEqual(stored.map((m) => m.id))
    expect(own(app)[0]!.key).toBe(live.key)
  })
})

describe('reconnection', () => {
  it('catches up on what was missed, then sends what was typed offline, each once', async () => {
    const app = await signedIn()
    const before = await chat(app, 'before')
    await app.conversations.open(A, C)
    const last = replies(app).at(-1)!

    await goOffline(app)
    app.outbox.send(A, C, 'one')
    app.outbox.send(A, C, 'two')
    expect(own(app).map((m) => m.status)).toEqual(['sent', 'queued', 'queued'])
    await chatElsewhere(app.auth.accessToken!, 'missed while away')

    wire.length = 0
    await goOnline(app)
    await until(() => app.outbox.entries.length === 0 && own(app).every((m) => m.status === 'sent'), 'the queue to flush')
    const catchUp = wire.findIndex((w) => w.includes(`after=${last.id}`))
    expect(catchUp).toBeGreaterThanOrEqual(0)
    expect(catchUp).toBeLessThan(wire.indexOf('send one')) // caught up before sending
    expect(texts(own(app))).toEqual(['before', 'missed while away', 'one', 'two'])
    expect(app.sends.map((s) => s.message)).toEqual(['before', 'one', 'two'])
    expect(before.status).toBe('sent')
    await until(() => replies(app).length === 4, 'the replies')
    expect(await storedExchange(app.auth.accessToken!, A)).toEqual(onceEach(['before', 'missed while away', 'one', 'two']))
  })

  it('resends a message lost on the way with its clientMessageId; the server keeps one copy', async () => {
    const app = await signedIn()
    // The connection fails just as the message leaves: the packet never reaches the server.
    app.socket.onAnyOutgoing(function dropOnce(event: string) {
      if (event !== 'agent:send') return
      app.socket.offAnyOutgoing(dropOnce)
      app.socket.io.engine.close()
    })
    const message = app.outbox.send(A, C, 'lost on the way')!
    await answered(app, message)
    expect(app.sends.map((s) => s.clientMessageId)).toEqual([message.clientMessageId, message.clientMessageId])
    expect(await storedExchange(app.auth.accessToken!, A)).toEqual(onceEach(['lost on the way']))
  })

  it('a delivery whose connection drops before the ack settles as queued, not failed', async () => {
    const app = await signedIn()
    const message = await chat(app, 'sent twice, stored once')
    app.socket.onAnyOutgoing(function dropOnce() {
      app.socket.offAnyOutgoing(dropOnce)
      app.socket.io.reconnection(false)
      app.socket.io.engine.close()
    })
    await app.outbox.retry(message) // the delivery ends when its ack is given up on
    expect(message.status).toBe('queued')
    expect(message.error).toBeUndefined()
    await goOnline(app)
    await until(() => message.status === 'sent' && app.outbox.entries.length === 0, 'the resend')
    expect(app.sends.map((s) => s.clientMessageId)).toEqual(Array(3).fill(message.clientMessageId))
    expect(await storedExchange(app.auth.accessToken!, A)).toEqual(onceEach(['sent twice, stored once']))
  })

  it('a drop while flushing the queue sends nothing twice', async () => {
    const app = await signedIn()
    await app.conversations.open(A, C)
    await goOffline(app)
    app.outbox.send(A, C, 'one')
    app.outbox.send(A, C, 'two')
    // The server stores 'one' and echoes it; the connection drops right then, so its ack is lost.
    app.socket.on('agent:message', function dropOnEcho(event) {
      if (event.author !== 'user' || event.text !== 'one') return
      app.socket.off('agent:message', dropOnEcho)
      app.socket.io.engine.close()
    })
    await goOnline(app)
    await until(() => app.outbox.entries.length === 0 && own(app).every((m) => m.status === 'sent'), 'the queue to flush')
    expect(app.sends.map((s) => s.message)).toEqual(['one', 'two'])
    await until(() => replies(app).length === 2, 'the replies')
    expect(await storedExchange(app.auth.accessToken!, A)).toEqual(onceEach(['one', 'two']))
    expect(texts(own(app))).toEqual(['one', 'two'])
  })

  it('follows `after` pages until the server has no more', async () => {
    HISTORY_PAGING.catchUp = 2
    const app = await signedIn()
    await chat(app, 'first')
    await app.conversations.open(A, C)
    const last = replies(app).at(-1)!
    await goOffline(app)
    await chatElsewhere(app.auth.accessToken!, 'missed one')
    await chatElsewhere(app.auth.accessToken!, 'missed two')

    wire.length = 0
    await goOnline(app)
    await until(() => app.conversations.conversation(A, C).messages.length === 6, 'the catch-up')
    const stored = await storedMessages(app.auth.accessToken!, A)
    const cursors = wire.filter((w) => w.includes('after=')).map((w) => /after=([^&]+)/.exec(w)![1])
    expect(cursors).toEqual([last.id, stored[3]!.id])
    expect(app.conversations.conversation(A, C).messages.map((m) => m.id)).toEqual(stored.map((m) => m.id))
  })
})
