/**
 * The visitor page's store against the real backend (`/public` namespace, real sockets):
 * a session and its token, a conversation that continues with the token, a refused token,
 * a message typed before the session or in flight when the connection drops (stored once),
 * booking a slot, a refused slug, and the owner taking the bot offline.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import type { AgentMessageEvent } from '@/types/wire'
import { isoDate } from '@/utils/dates'
import { createVisitorSocket } from '@/visitor/socket'
import { tokenKey, useVisitorStore, type VisitorSocket } from '@/visitor/store'
import { api, backendUrl, newAccount, registerAccount, until } from './support/app'

/** Where the tests' DOM says it is: the page the widget is embedded in. */
const HOST = 'http://localhost:3000'
const GREETING = 'Oi! Sou a Flora. Como posso ajudar?'

let owner: { token: string }
let botKey = ''
let slug = ''
const running: { store: ReturnType<typeof useVisitorStore>; socket: VisitorSocket }[] = []

function auth() {
  return { headers: { Authorization: `Bearer ${owner.token}` } }
}

/** A visitor's page: its own store and socket, over this browser's localStorage. */
function visit(options: { slug?: string; host?: string | null } = {}) {
  const store = useVisitorStore(createPinia())
  const socket = createVisitorSocket(backendUrl, { forceNew: true, transports: ['websocket'] })
  store.start(socket, { slug: options.slug ?? slug, language: 'pt-BR', host: options.host === undefined ? HOST : options.host, visible: true })
  running.push({ store, socket })
  return { store, socket }
}

async function ownerHistory(conversationId: string): Promise<AgentMessageEvent[]> {
  const path = `/agents/${botKey}/conversations/${encodeURIComponent(conversationId)}/messages`
  return (await api.get<{ messages: AgentMessageEvent[] }>(path, { params: { limit: 200 }, ...auth() })).data.messages
}

function nextWeekday(fromDays: number): string {
  const day = new Date()
  day.setDate(day.getDate() + fromDays)
  while (day.getDay() === 0 || day.getDay() === 6) day.setDate(day.getDate() + 1)
  return isoDate(day)
}

beforeAll(async () => {
  const account = newAccount()
  owner = { token: (await registerAccount(account)).access_token }
  const created = await api.post(
    '/custom-bots',
    { name: 'Flora', emoji: '🌻', prompt: 'You are Flora, who sells sunflowers.', specialties: ['vendas'], schedulingEnabled: true },
    auth(),
  )
  botKey = created.data.bot.key
  const published = await api.put(
    `/custom-bots/${botKey}/public`,
    { enabled: true, allowedOrigins: [HOST], greeting: GREETING, bookingEnabled: true },
    auth(),
  )
  slug = published.data.slug
})

beforeEach(() => {
  localStorage.clear()
})

afterEach(() => {
  for (const { store } of running.splice(0)) store.stop()
})

describe('a visitor on the real server', () => {
  it('gets a session with the agent and a token, and the conversation continues with it', async () => {
    const first = visit()
    await until(() => first.store.state === 'connected', 'the session')
    expect(first.store.agent).toEqual({ name: 'Flora', emoji: '🌻', greeting: GREETING, bookingEnabled: true })
    expect(first.store.greeting?.text).toBe(GREETING)
    const token = localStorage.getItem(tokenKey(slug))
    expect(token).toBeTruthy()
    const conversation = first.store.conversationId

    first.store.send('Olá, vocês vendem girassóis?')
    await until(() => first.store.conv.messages.some((m) => m.author === 'agent' && m.status === 'sent'), 'the reply', 15_000)
    expect(first.store.conv.messages[0]).toMatchObject({ author: 'user', status: 'sent', text: 'Olá, vocês vendem girassóis?' })
    expect(first.store.active).toBe(true)
    first.store.stop()

    // The next page: the same conversation, its history, and a fresh token.
    const again = visit()
    await until(() => again.store.state === 'connected', 'the second session')
    expect(again.store.conversationId).toBe(conversation)
    expect(again.store.conv.messages.map((m) => m.author)).toEqual(['user', 'agent'])
    expect(localStorage.getItem(tokenKey(slug))).not.toBe(token)
  })

  it('a token the server refuses is dropped and a new conversation starts', async () => {
    localStorage.setItem(tokenKey(slug), 'not-a-real-token')
    const { store } = visit()
    await until(() => store.state === 'connected', 'a new session')
    expect(localStorage.getItem(tokenKey(slug))).not.toBe('not-a-real-token')
    expect(store.conv.messages).toHaveLength(0)
  })

  it('a message typed before the session is sent once it comes, and stored once', async () => {
    const { store } = visit()
    const early = store.send('Escrevi antes de conectar')!
    expect(early.status).toBe('queued')
    await until(() => early.status === 'sent' && early.id !== null, 'the early message acknowledged')
    const stored = (await ownerHistory(store.conversationId!)).filter((m) => m.author === 'user')
    expect(stored.map((m) => [m.text, m.clientMessageId])).toEqual([['Escrevi antes de conectar', early.clientMessageId]])
  })

  it('a message in flight when the connection drops is stored once (resent with its id until acknowledged)', async () => {
    const { store, socket } = visit()
    await until(() => store.state === 'connected', 'the session')
    const message = store.send('Caiu a conexão?')!
    socket.io.engine.close() // the network fails: the client reconnects by itself
    await until(() => store.state === 'connected' && message.status === 'sent', 'resent after the reconnection', 15_000)
    await until(() => store.conv.messages.some((m) => m.author === 'agent' && m.status === 'sent'), 'the reply', 15_000)
    const stored = (await ownerHistory(store.conversationId!)).filter((m) => m.author === 'user')
    expect(stored.map((m) => m.text)).toEqual(['Caiu a conexão?'])
  })

  it('books a free slot on the owner’s calendar; a System message says so', async () => {
    const { store } = visit()
    await until(() => store.state === 'connected', 'the session')
    const date = nextWeekday(3)
    const slots = await store.loadSlots(date)
    if (!slots.ok) throw new Error(slots.error.message)
    expect(slots.date).toBe(date)
    expect(slots.slots.length).toBeGreaterThan(0)
    const slot = slots.slots[0]!
    const refusal = await store.book({ date, time: slot.start, email: 'ana@example.com', name: 'Ana' })
    expect(refusal).toBeNull()
    expect(store.lastBooking).toMatchObject({ date, time: slot.start, email: 'ana@example.com' })
    await until(() => store.conv.messages.some((m) => m.author === 'system'), 'the System message')
    const taken = await store.book({ date, time: slot.start, email: 'ana@example.com' })
    expect(taken?.code).toMatch(/slot_taken|slot_unavailable/)
    expect(taken?.message).toBeTruthy() // in the visitor's language, from the server
    const bad = await store.book({ date, time: slots.slots[1]!.start, email: 'not-an-email' })
    expect(bad?.code).toBe('invalid_email')

    // The owner cancels it on My meetings: the visitor's chat no longer says "booked".
    await api.delete(`/calendar/events/${store.lastBooking!.id}`, auth())
    await until(() => store.lastBooking === null, 'the booking gone from the chat')
    await until(() => store.conv.messages.filter((m) => m.author === 'system').length === 2, 'the cancellation note')
  })

  it('a slug nobody published is refused for good, in the visitor’s language', async () => {
    const { store } = visit({ slug: 'nobody-published-this' })
    await until(() => store.state === 'refused', 'the refusal')
    expect(store.notice?.code).toBe('agent_offline')
    expect(store.notice?.message).toBeTruthy()
  })

  it('a site the bot does not allow is refused', async () => {
    const { store } = visit({ host: 'https://elsewhere.example' })
    await until(() => store.state === 'refused', 'the refusal')
    expect(store.notice?.code).toBe('origin_not_allowed')
  })

  it('the owner taking the bot offline closes the conversation, and it stays closed', async () => {
    const { store, socket } = visit()
    await until(() => store.state === 'connected', 'the session')
    store.send('Ainda está aí?')
    await until(() => store.active, 'a conversation in progress')
    await api.put(`/custom-bots/${botKey}/public`, { enabled: false, allowedOrigins: [HOST] }, auth())
    try {
      await until(() => store.state === 'closed', 'visitor:closed')
      expect(store.notice?.code).toBe('unpublished')
      expect(store.notice?.message).toBeTruthy()
      expect(store.active).toBe(false)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(socket.connected).toBe(false) // no reconnection
      const later = visit()
      await until(() => later.store.state === 'refused', 'a new visit refused')
      expect(later.store.notice?.code).toBe('agent_offline')
    } finally {
      await api.put(`/custom-bots/${botKey}/public`, { enabled: true, allowedOrigins: [HOST] }, auth())
    }
  })
})
