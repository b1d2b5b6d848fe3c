/**
 * The backend's side of the contract, played by a real Node `socket.io` server and a
 * plain `http` server on 127.0.0.1 (one port, as the real ASGI app serves both). The
 * store under test talks to it with the real `socket.io-client` and axios, so what
 * goes over the wire is what the real backend would see.
 *
 * It follows `agents_backend/agents/core.py`, `sockets/namespace.py` and the routers:
 * a handshake needs a valid `auth.token`; `agent:send` stores the user's message once
 * per `clientMessageId`, emits it to the user's room and then acks `{ok, messageId}`;
 * a reply is `agent:typing`, `agent:stream` chunks, the stored `agent:message`,
 * `agent:suggestions` (and `agent:show-slot-picker` for a meeting request). History
 * pages are oldest first with `before`/`after` cursors. Tests steer it through hooks.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type Socket } from 'socket.io'
import type { AgentPublic, TokenPair } from '@/types/api'
import type {
  AgentMessageEvent,
  ClientToServerEvents,
  ScheduleConfirmPayload,
  SendAck,
  SendPayload,
  ServerToClientEvents,
} from '@/types/events'

type ServerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { userId: string }>
type Emit = <E extends keyof ServerToClientEvents>(event: E, payload: Parameters<ServerToClientEvents[E]>[0]) => void

export interface SendContext {
  payload: SendPayload
  userId: string
  /** The stored user message (the first copy when this send was a duplicate). */
  message: AgentMessageEvent
  duplicate: boolean
  /** Emits to every socket of the user, as `AgentNamespace.to_user` does. */
  emit: Emit
  /** Streams `chunks` as the agent's reply and stores it, as `AgentCore._reply` does. */
  reply: (chunks: string[], options?: { delayMs?: number; suggestions?: string[] }) => Promise<AgentMessageEvent>
  /** The reply failed (`AgentCore._fail`): `agent:error` on the message; a resend retries. */
  fail: (error: string, code?: string) => void
}

/** `before-store`: the send is lost on the way; `after-store`: stored, but echo and ack are lost. */
export type Hold = false | 'before-store' | 'after-store'

export interface RestCall {
  method: string
  path: string
  query: Record<string, string>
}

const BUILTIN: Omit<AgentPublic, 'autoCreate'>[] = [
  { key: 'sdr', name: 'SDR', emoji: '💼', description: 'Sales', specialties: ['vendas'], model: null, temperature: 0.7, schedulingEnabled: true, builtin: true },
  { key: 'support', name: 'Suporte', emoji: '🛟', description: 'Help', specialties: ['suporte'], model: null, temperature: 0.3, schedulingEnabled: false, builtin: true },
]
const SLOT_TIMES = ['09:00', '10:00', '11:00', '14:00', '15:00', '16:00']

export async function startBackend() {
  const http = createServer((req, res) => void route(req, res))
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { userId: string }>(http, {
    cors: { origin: true },
  })

  // -- state (the backend's MongoDB collections, for this one test) ------------------
  const accessTokens = new Map<string, string>()
  const refreshTokens = new Map<string, string>()
  const messages: (AgentMessageEvent & { userId: string })[] = []
  const autoCreate = new Map<string, boolean>()
  const bookings = new Set<string>()
  const failedReplies = new Set<string>()
  let seq = 0
  let lastTimestamp = 0

  const state = {
    /** Every `agent:send` payload received, duplicates included. */
    sends: [] as SendPayload[],
    /** Every `agent:schedule-confirm` payload received. */
    confirms: [] as ScheduleConfirmPayload[],
    /** Every REST request, for asserting cursors. */
    rest: [] as RestCall[],
    /** REST calls and sends in the order they arrived (`GET /path?after=id`, `send text`). */
    log: [] as string[],
    /** Handshakes seen (accepted or not) and the tokens they carried. */
    handshakes: [] as (string | null)[],
    /** The backend caps pages; a small cap makes the client follow `hasMore`. */
    pageCap: 200,
    accessLifetimeSeconds: 1800,
    /** After a send is stored and acked: what the agent does (default: nothing). */
    onSend: (_ctx: SendContext): void | Promise<void> => {},
    /** Leaves a send unanswered (the test then drops the connection). */
    holdAck: (_payload: SendPayload): Hold => false,
    /** Return true to ack a send before echoing the user's message. */
    ackFirst: (_payload: SendPayload): boolean => false,
    /** Replies to /auth/refresh: 'ok', or 'drop' (no response at all) or an HTTP status. */
    refreshOutcome: (): 'ok' | 'drop' | number => 'ok',
  }

  let gate: Promise<void> | null = null

  function nextId(): string {
    seq += 1
    return `m${String(seq).padStart(6, '0')}`
  }
  function nextTimestamp(): number {
    lastTimestamp = Math.max(Date.now(), lastTimestamp + 1)
    return lastTimestamp
  }

  function issue(userId: string): TokenPair {
    const access = `access-${userId}-${nextId()}`
    const refresh = `refresh-${userId}-${nextId()}`
    accessTokens.set(access, userId)
    refreshTokens.set(refresh, userId)
    return {
      access_token: access,
      refresh_token: refresh,
      token_type: 'bearer',
      expires_in: state.accessLifetimeSeconds,
      user: { id: userId, email: `${userId}@example.com`, name: userId, role: 'user', created_at: '2024-01-01T00:00:00Z' },
    }
  }

  /** Stores a message the way `store/messages.py` does, and returns its event form. */
  function store(userId: string, fields: Omit<AgentMessageEvent, 'id' | 'timestamp' | 'offline'> & { id?: string; offline?: boolean }) {
    const message = { offline: false, ...fields, id: fields.id ?? nextId(), timestamp: nextTimestamp(), userId }
    messages.push(message)
    const { userId: _owner, ...event } = message
    return event as AgentMessageEvent
  }

  function conversation(userId: string, agentKey: string, contactId: string) {
    return messages.filter((m) => m.userId === userId && m.agentKey === agentKey && m.contactId === contactId)
  }

  function toUser(userId: string): Emit {
    return (event, payload) => {
      ;(io.to(`user:${userId}`).emit as (e: string, p: unknown) => void)(event, payload)
    }
  }

  // -- Socket.IO -----------------------------------------------------------------------

  io.use(async (socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token
    state.handshakes.push(typeof token === 'string' ? token : null)
    const userId = typeof token === 'string' ? accessTokens.get(token) : undefined
    if (!userId) return next(new Error(token ? 'invalid or expired token' : 'authentication required'))
    if (gate) await gate
    socket.data.userId = userId
    next()
  })

  io.on('connection', (socket: ServerSocket) => {
    const userId = socket.data.userId
    void socket.join(`user:${userId}`)
    const emit = toUser(userId)

    socket.on('agent:send', (payload, ack) => {
      state.sends.push(payload)
      state.log.push(`send ${payload.message}`)
      const hold = state.holdAck(payload)
      if (hold === 'before-store') return
      if (payload.message.length > 4000) {
        const error = { code: 'message_too_long', message: 'Message is longer than 4000 characters.' }
        socket.emit('agent:error', { agentKey: payload.agentKey, contactId: payload.contactId, error: error.message, code: error.code })
        ack({ ok: false, error })
        return
      }
      const earlier = payload.clientMessageId
        ? messages.find((m) => m.userId === userId && m.clientMessageId === payload.clientMessageId)
        : undefined
      const message =
        earlier ??
        store(userId, {
          agentKey: payload.agentKey,
          contactId: payload.contactId,
          author: 'user',
          text: payload.message,
          ...(payload.clientMessageId ? { clientMessageId: payload.clientMessageId } : {}),
        })
      if (hold === 'after-store') return
      const answer: SendAck = { ok: true, messageId: message.id, duplicate: !!earlier }
      const first = state.ackFirst(payload)
      if (first) ack(answer)
      if (!earlier) emit('agent:message', message)
      if (!first) ack(answer)
      // A copy already answered (or being answered) is not answered again (`claim_reply`).
      if (earlier && !failedReplies.delete(earlier.id)) return
      void state.onSend({
        payload,
        userId,
        message,
        duplicate: !!earlier,
        emit,
        reply: (chunks, options = {}) => reply(userId, message, chunks, options),
        fail: (error, code = 'llm_unavailable') => {
          failedReplies.add(message.id)
          emit('agent:error', { agentKey: message.agentKey, contactId: message.contactId, error, code, messageId: message.id })
        },
      })
    })

    socket.on('agent:set-auto-create', (payload, ack) => {
      autoCreate.set(`${userId}:${payload.agentKey}`, payload.autoCreate)
      emit('agent:auto-create-updated', { agentKey: payload.agentKey, autoCreate: payload.autoCreate })
      ack({ ok: true, agentKey: payload.agentKey, autoCreate: payload.autoCreate })
    })

    socket.on('agent:request-summary', (payload, ack) => {
      const count = conversation(userId, payload.agentKey, payload.contactId).length
      emit('agent:summary', { ...payload, summary: `${count} messages`, offline: true })
      ack({ ok: true })
    })

    socket.on('agent:schedule-confirm', (payload, ack) => {
      state.confirms.push(payload)
      const slot = `${payload.date} ${payload.time}`
      if (bookings.has(slot)) {
        const error = { code: 'slot_taken', message: 'That time was just booked by someone else; please pick another slot.' }
        socket.emit('agent:error', { agentKey: payload.agentKey, contactId: payload.contactId, error: error.message, code: error.code })
        ack({ ok: false, error })
        return
      }
      bookings.add(slot)
      const end = `${String(Number(payload.time.slice(0, 2)) + 1).padStart(2, '0')}:${payload.time.slice(3)}`
      const event = {
        id: `b-${bookings.size}`,
        agentKey: payload.agentKey,
        contactId: payload.contactId,
        start: `${payload.date}T${payload.time}:00-03:00`,
        end: `${payload.date}T${end}:00-03:00`,
        date: payload.date,
        time: payload.time,
        endTime: end,
        durationMinutes: 60,
        timezone: 'America/Sao_Paulo',
        email: payload.email,
        phone: payload.phone || null,
        status: 'confirmed',
        calendar: 'local',
        htmlLink: null,
        createdAt: new Date().toISOString(),
      }
      const scope = { agentKey: payload.agentKey, contactId: payload.contactId }
      const note = store(userId, { ...scope, author: 'system', text: `Booked ${slot}` })
      emit('agent:schedule-confirm', { ...scope, event })
      emit('agent:message', note)
      ack({ ok: true, event, messageId: note.id })
    })
  })

  async function reply(
    userId: string,
    message: AgentMessageEvent,
    chunks: string[],
    { delayMs = 0, suggestions = [] }: { delayMs?: number; suggestions?: string[] },
  ): Promise<AgentMessageEvent> {
    const emit = toUser(userId)
    const scope = { agentKey: message.agentKey, contactId: message.contactId }
    const id = nextId()
    emit('agent:typing', { ...scope, typing: true })
    for (const delta of chunks) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
      emit('agent:stream', { ...scope, id, delta })
    }
    const stored = store(userId, { ...scope, id, author: 'agent', text: chunks.join(''), replyTo: message.id })
    emit('agent:message', stored)
    emit('agent:suggestions', { ...scope, replyTo: id, suggestions })
    if (/agendar|meeting|reuni/i.test(message.text)) {
      emit('agent:show-slot-picker', { ...scope, messageId: message.id, email: 'ana@example.com', phone: null, suggestedDate: '2030-01-02', suggestedTime: '15:00' })
    }
    emit('agent:typing', { ...scope, typing: false })
    return stored
  }

  // -- REST ----------------------------------------------------------------------------

  function send(res: ServerResponse, status: number, body?: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(body === undefined ? undefined : JSON.stringify(body))
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    let raw = ''
    for await (const chunk of req) raw += String(chunk)
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {}
  }

  function page(list: AgentMessageEvent[], query: Record<string, string>) {
    const limit = Math.min(Number(query.limit ?? 50), state.pageCap)
    const strip = (m: AgentMessageEvent) => {
      const { userId: _owner, ...event } = m as AgentMessageEvent & { userId?: string }
      return event as AgentMessageEvent
    }
    if (query.after) {
      const at = list.findIndex((m) => m.id === query.after)
      if (at < 0) return null
      const rest = list.slice(at + 1)
      return { messages: rest.slice(0, limit).map(strip), hasMore: rest.length > limit }
    }
    const end = query.before ? list.findIndex((m) => m.id === query.before) : list.length
    if (end < 0) return null
    const start = Math.max(0, end - limit)
    return { messages: list.slice(start, end).map(strip), hasMore: start > 0 }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The SPA may be served from another origin (`VITE_API_URL`): CORS as the backend does.
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
    res.setHeader('access-control-allow-headers', 'authorization, content-type')
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
    if (req.method === 'OPTIONS') return send(res, 204)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const query = Object.fromEntries(url.searchParams)
    state.rest.push({ method: req.method ?? 'GET', path: url.pathname, query })
    state.log.push(`${req.method} ${url.pathname}${url.search}`)

    if (req.method === 'POST' && url.pathname === '/auth/login') {
      const body = await readJson(req)
      return send(res, 200, issue(String(body.email).split('@')[0]!))
    }
    if (req.method === 'POST' && url.pathname === '/auth/refresh') {
      const body = await readJson(req)
      const outcome = state.refreshOutcome()
      if (outcome === 'drop') {
        req.socket.destroy()
        return
      }
      if (outcome !== 'ok') return send(res, outcome, { detail: 'Refresh refused' })
      const userId = refreshTokens.get(String(body.refresh_token))
      if (!userId) return send(res, 401, { detail: 'Invalid refresh token' })
      refreshTokens.delete(String(body.refresh_token)) // refresh tokens rotate
      return send(res, 200, issue(userId))
    }
    if (req.method === 'POST' && url.pathname === '/auth/logout') {
      const body = await readJson(req)
      refreshTokens.delete(String(body.refresh_token))
      return send(res, 204)
    }

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const userId = bearer ? accessTokens.get(bearer) : undefined
    if (!userId) return send(res, 401, { detail: 'Not authenticated' })

    if (req.method === 'GET' && url.pathname === '/agents') {
      const agents = BUILTIN.map((a) => ({ ...a, autoCreate: autoCreate.get(`${userId}:${a.key}`) ?? false }))
      return send(res, 200, { agents, offline: false })
    }
    const history = /^\/agents\/([^/]+)\/conversations\/([^/]+)\/messages$/.exec(url.pathname)
    if (req.method === 'GET' && history) {
      const list = conversation(userId, decodeURIComponent(history[1]!), decodeURIComponent(history[2]!))
      const found = page(list, query)
      return found ? send(res, 200, found) : send(res, 404, { detail: 'Message not found' })
    }
    if (req.method === 'GET' && url.pathname === '/tasks') return send(res, 200, { tasks: [] })
    if (req.method === 'GET' && url.pathname === '/calendar/available-slots') {
      const free = SLOT_TIMES.filter((t) => !bookings.has(`${query.date} ${t}`))
      const available_slots = free.map((start) => {
        const end = `${String(Number(start.slice(0, 2)) + 1).padStart(2, '0')}:00`
        return { start, end, startIso: `${query.date}T${start}:00-03:00`, endIso: `${query.date}T${end}:00-03:00` }
      })
      return send(res, 200, { available_slots, timezone: 'America/Sao_Paulo', calendar: 'local' })
    }
    return send(res, 404, { detail: 'Not Found' })
  }

  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok))
  const { port } = http.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    /** A signed-in user's tokens, as `POST /auth/login` would return them. */
    login: (userId = 'u1') => issue(userId),
    /** The server's copy of a conversation, oldest first. */
    conversation: (agentKey: string, contactId: string, userId = 'u1') => conversation(userId, agentKey, contactId),
    /** Stores a message without any client involved (another tab, a reply while away). */
    store: (fields: Parameters<typeof store>[1], userId = 'u1') => store(userId, fields),
    emit: (userId: string) => toUser(userId),
    autoCreateOf: (agentKey: string, userId = 'u1') => autoCreate.get(`${userId}:${agentKey}`) ?? false,
    /** Another device changed the switch (no event reaches this client). */
    setAutoCreate: (agentKey: string, value: boolean, userId = 'u1') => autoCreate.set(`${userId}:${agentKey}`, value),
    /** The access token expires (REST answers 401, handshakes are refused). */
    expire: (accessToken: string) => accessTokens.delete(accessToken),
    bookings,
    /** Holds new handshakes until the returned function is called (the server is "down"). */
    hold(): () => void {
      let open: () => void = () => {}
      gate = new Promise<void>((r) => (open = r))
      return () => {
        gate = null
        open()
      }
    },
    /** Closes every connection's transport: the clients see `transport close` and retry. */
    dropConnections(): void {
      for (const socket of io.of('/').sockets.values()) socket.conn.close()
    },
    connectedCount: () => io.of('/').sockets.size,
    async close(): Promise<void> {
      io.disconnectSockets(true)
      await new Promise<void>((ok) => io.close(() => ok()))
      http.closeAllConnections()
    },
  }
}

export type TestBackend = Awaited<ReturnType<typeof startBackend>>
