/**
 * The app's stores and socket plugin, wired as `registerPlugins` wires them, against the
 * real backend the global setup started: the app's own axios client and a real
 * `socket.io-client` socket, over loopback. A "reload" is a new app over the same
 * localStorage.
 */
import axios from 'axios'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { watch } from 'vue'
import { inject } from 'vitest'
import { io } from 'socket.io-client'
import { http } from '@/services/api'
import { installSocket } from '@/plugins/socket'
import { createAgentSocket, type AgentSocket } from '@/socket'
import { useAuthStore } from '@/stores/auth'
import { useCatalogueStore } from '@/stores/catalogue'
import { useConnectionStore } from '@/stores/connection'
import { useConversationsStore } from '@/stores/conversations'
import { useOutboxStore } from '@/stores/outbox'
import type { TokenPair } from '@/types/api'
import type { AgentMessageEvent, SendPayload } from '@/types/events'

export const backendUrl = inject('backendUrl')
http.defaults.baseURL = backendUrl

/** REST calls and socket sends in the order they left (`GET /path?after=…`, `send text`). */
export const wire: string[] = []
http.interceptors.request.use((config) => {
  const query = new URLSearchParams(config.params as Record<string, string>).toString()
  wire.push(`${config.method?.toUpperCase()} ${config.url}${query ? `?${query}` : ''}`)
  return config
})

/** A client of the REST API apart from the app (another device, the test's own checks). */
export const api = axios.create({ baseURL: backendUrl, timeout: 10_000 })

export interface Account {
  name: string
  email: string
  password: string
}

let counter = 0
export function newAccount(): Account {
  counter += 1
  return { name: 'Ana Teste', email: `unit-${Date.now().toString(36)}-${counter}@example.com`, password: 'correct-horse-9' }
}

/** Resolves as soon as `condition` holds, re-checked whenever what it reads changes. */
export function until(condition: () => unknown, what = 'the condition', timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (error?: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      queueMicrotask(() => stop())
      if (error) reject(error)
      else resolve()
    }
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs)
    const stop = watch(() => Boolean(condition()), (holds) => holds && finish(), { immediate: true, flush: 'sync' })
  })
}

export interface TestApp {
  pinia: Pinia
  socket: AgentSocket
  auth: ReturnType<typeof useAuthStore>
  catalogue: ReturnType<typeof useCatalogueStore>
  connection: ReturnType<typeof useConnectionStore>
  conversations: ReturnType<typeof useConversationsStore>
  outbox: ReturnType<typeof useOutboxStore>
  /** Every `agent:send` this app's socket put on the wire. */
  sends: SendPayload[]
  stop(): void
}

const running: TestApp[] = []

/** The app as a page load starts it: resumes a stored session, if any, and connects. */
export function startApp(): TestApp {
  const pinia = createPinia()
  setActivePinia(pinia)
  // Its own connection (not multiplexed with another app's), quick to come back.
  const socket = createAgentSocket(backendUrl, { transports: ['websocket'], forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 60 })
  const sends: SendPayload[] = []
  socket.onAnyOutgoing((event: string, payload: SendPayload) => {
    if (event !== 'agent:send') return
    sends.push(payload)
    wire.push(`send ${payload.message}`)
  })
  const auth = useAuthStore(pinia)
  auth.resume()
  const stopSocket = installSocket(socket, pinia)
  const app: TestApp = {
    pinia,
    socket,
    auth,
    catalogue: useCatalogueStore(pinia),
    connection: useConnectionStore(pinia),
    conversations: useConversationsStore(pinia),
    outbox: useOutboxStore(pinia),
    sends,
    stop: stopSocket,
  }
  running.push(app)
  return app
}

/** Stops every app a test started (call in `afterEach`). */
export function stopApps(): void {
  for (const app of running.splice(0)) app.stop()
}

export async function signUp(app: TestApp, account = newAccount()): Promise<Account> {
  await app.auth.register(account.name, account.email, account.password)
  await until(() => app.connection.connected, 'the socket to connect')
  return account
}

export async function signIn(app: TestApp, account: Account): Promise<void> {
  await app.auth.login(account.email, account.password)
  await until(() => app.connection.connected, 'the socket to connect')
}

/** A connection that stays down (reconnection off) until `goOnline`. */
export async function goOffline(app: TestApp): Promise<void> {
  app.socket.io.reconnection(false)
  app.socket.io.engine.close()
  await until(() => app.connection.state === 'disconnected', 'the socket to drop')
}

export async function goOnline(app: TestApp): Promise<void> {
  app.socket.io.reconnection(true)
  app.socket.connect()
  await until(() => app.connection.connected, 'the socket to reconnect')
}

/** A REST account of its own (another person), with tokens. */
export async function registerAccount(account = newAccount()): Promise<TokenPair> {
  return (await api.post<TokenPair>('/auth/register', account)).data
}

/** A bare socket with a given token: another tab or device, outside the app's stores. */
export async function rawSocket(token: string): Promise<AgentSocket> {
  const socket: AgentSocket = io(backendUrl, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return socket
}

/** The server's copy of a conversation, oldest first. */
export async function storedMessages(token: string, agentKey: string, contactId = 'default'): Promise<AgentMessageEvent[]> {
  const path = `/agents/${agentKey}/conversations/${contactId}/messages`
  const page = await api.get<{ messages: AgentMessageEvent[] }>(path, { params: { limit: 200 }, headers: { Authorization: `Bearer ${token}` } })
  return page.data.messages
}

/** The person's stored messages and how many replies each got (one each, normally). */
export async function storedExchange(token: string, agentKey: string, contactId = 'default') {
  const stored = await storedMessages(token, agentKey, contactId)
  const own = stored.filter((m) => m.author === 'user')
  return {
    texts: own.map((m) => m.text),
    replies: own.map((m) => stored.filter((r) => r.author === 'agent' && r.replyTo === m.id).length),
  }
}

/** What `storedExchange` shows when each message was stored once and answered once. */
export function onceEach(texts: string[]) {
  return { texts, replies: texts.map(() => 1) }
}

/** Someone else books a slot through their own account and socket. */
export async function bookAsSomeoneElse(slot: { agentKey: string; date: string; time: string }): Promise<void> {
  const tokens = await registerAccount()
  const socket = await rawSocket(tokens.access_token)
  try {
    const ack = await socket.timeout(10_000).emitWithAck('agent:schedule-confirm', {
      ...slot,
      contactId: 'someone-else',
      email: 'someone@example.com',
      phone: '',
    })
    if (!ack.ok) throw new Error(`the rival booking was refused: ${ack.error.message}`)
  } finally {
    socket.disconnect()
  }
}

/**
 * The person writes from another device (a bare socket, no app, no shared outbox):
 * resolves once the message is stored and answered.
 */
export async function chatElsewhere(token: string, text: string, agentKey = 'support', contactId = 'default'): Promise<void> {
  const socket = await rawSocket(token)
  const repliedTo = new Set<string>()
  let waiting: { id: string; resolve: () => void } | null = null
  socket.on('agent:message', (event) => {
    if (event.author !== 'agent' || !event.replyTo) return
    repliedTo.add(event.replyTo)
    if (waiting && event.replyTo === waiting.id) waiting.resolve()
  })
  try {
    const ack = await socket.timeout(10_000).emitWithAck('agent:send', { agentKey, contactId, message: text, clientMessageId: `elsewhere-${Date.now()}-${text}` })
    if (!ack.ok) throw new Error(`refused: ${ack.error.message}`)
    const id = ack.messageId
    await new Promise<void>((resolve, reject) => {
      if (repliedTo.has(id)) return resolve()
      waiting = { id, resolve }
      setTimeout(() => reject(new Error(`no reply to "${text}"`)), 10_000)
    })
  } finally {
    socket.disconnect()
  }
}
