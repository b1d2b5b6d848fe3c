/**
 * The socket's life cycle, bound once for the whole app: signing in connects, signing out
 * (or switching accounts) disconnects and clears what the last account saw, a session the
 * server ends is renewed with a refreshed token and reconnected, and every (re)connection
 * catches up and sends what waited in the outbox. Views only read the stores.
 */
import { effectScope, watch, type Plugin } from 'vue'
import type { Pinia } from 'pinia'
import { i18n } from '@/plugins/i18n'
import type { AgentSocket } from '@/socket'
import { useAuthStore } from '@/stores/auth'
import { useCatalogueStore } from '@/stores/catalogue'
import { useConnectionStore } from '@/stores/connection'
import { useConversationsStore } from '@/stores/conversations'
import { useInboxStore } from '@/stores/inbox'
import { useOutboxStore } from '@/stores/outbox'
import { useReplyControlsStore } from '@/stores/replyControls'
import { isVisitorConversation } from '@/utils/conversation'

/** A token this close to expiry is refreshed before a handshake rather than refused by it. */
const FRESH_MS = 5_000
/** Pause before trying again after a refusal that is not about the token. */
const RETRY_MS = 2_000
/** What the server says when it refuses a handshake (`connect_error`'s `data`). */
interface Refusal {
  code?: string
  retryAfter?: number
}

function useStores(pinia: Pinia) {
  return {
    auth: useAuthStore(pinia),
    catalogue: useCatalogueStore(pinia),
    connection: useConnectionStore(pinia),
    conversations: useConversationsStore(pinia),
    outbox: useOutboxStore(pinia),
    replyControls: useReplyControlsStore(pinia),
    inbox: useInboxStore(pinia),
  }
}
type Stores = ReturnType<typeof useStores>

/** Server events into the stores; a pane filters by agent and contact, it binds nothing. */
function routeEvents(socket: AgentSocket, s: Stores): void {
  // A visitor conversation's `agent:*` copies are the inbox's business (it has its own
  // `inbox:*` events): no chat pane shows them, so no conversation is kept for them.
  const chat = (event: { contactId?: string | null }): boolean => !isVisitorConversation(event.contactId)
  socket.on('agent:message', (event) => {
    if (!chat(event)) return
    s.conversations.onMessage(event)
    if (event.offline) s.catalogue.markOffline()
    if (event.author === 'user' && event.clientMessageId) s.outbox.acknowledged(event.clientMessageId)
  })
  socket.on('agent:stream', (event) => chat(event) && s.conversations.onStream(event))
  socket.on('agent:typing', (event) => chat(event) && s.conversations.onTyping(event))
  socket.on('agent:tool-status', (event) => chat(event) && s.conversations.onToolStatus(event))
  socket.on('agent:suggestions', (event) => chat(event) && s.conversations.onSuggestions(event))
  socket.on('agent:show-slot-picker', (event) => chat(event) && s.conversations.onSlotPicker(event))
  socket.on('agent:summary', (event) => chat(event) && s.conversations.onSummary(event))
  socket.on('agent:schedule-confirm', (event) => chat(event) && s.conversations.onScheduled(event))
  socket.on('agent:schedule-cancelled', (event) => chat(event) && s.conversations.onScheduleCancelled(event))
  socket.on('agent:task-created', (event) => chat(event) && s.conversations.onTaskCreated(event))
  socket.on('agent:error', (event) => chat(event) && s.conversations.onError(event))
  socket.on('agent:superseded', (event) => chat(event) && s.replyControls.onSuperseded(event))
  socket.on('agent:auto-create-updated', (event) => s.catalogue.onAutoCreateUpdated(event))
  socket.on('inbox:conversation', (event) => s.inbox.onConversation(event.conversation))
  socket.on('inbox:handoff', (event) => s.inbox.onHandoff(event))
  socket.on('inbox:message', (event) => s.inbox.onMessage(event))
  socket.on('inbox:stream', (event) => s.inbox.onStream(event))
  socket.on('inbox:typing', (event) => s.inbox.onTyping(event))
  socket.on('inbox:tool-status', (event) => s.inbox.onToolStatus(event))
}

/** On every connection: catch up on what was missed, then send what waited. One at a time. */
function createResync(socket: AgentSocket, s: Stores): (reconnection: boolean) => Promise<void> {
  let running: Promise<void> | null = null
  let rerun: boolean | null = null
  function resync(reconnection: boolean): Promise<void> {
    if (running) {
      // The connection flapped during this resync: run once more when it is done, so
      // nothing queued by the flap waits for yet another reconnection.
      rerun = (rerun ?? false) || reconnection
      return running
    }
    running = (async () => {
      try {
        void s.inbox.sync(reconnection)
        if (reconnection) {
          void s.catalogue.refreshSwitches()
          await s.conversations.catchUpAll()
        }
        await s.outbox.flush()
      } finally {
        running = null
        const again = rerun
        rerun = null
        if (again !== null && socket.connected) void resync(again)
      }
    })()
    return running
  }
  return resync
}

function forgetAccount(s: Stores): void {
  s.conversations.reset()
  s.inbox.reset()
  s.catalogue.reset()
  s.outbox.unload()
  s.connection.reset()
}

/** How the socket (re)connects: with a fresh token, renewing a session the server ended. */
function createConnector(socket: AgentSocket, s: Stores) {
  let retry: ReturnType<typeof setTimeout> | null = null
  let refusals = 0

  function stopRetry(): void {
    if (retry !== null) clearTimeout(retry)
    retry = null
  }

  async function connect(): Promise<void> {
    stopRetry()
    if (!s.auth.isAuthenticated || socket.active) return
    const stale = s.auth.expiresAt - Date.now() < FRESH_MS
    // No fresh token (the server is unreachable): the auth store retries the refresh, and
    // the token watch connects when it succeeds. Refused: the router shows sign-in.
    if (stale && !(await s.auth.refresh())) return s.connection.markDisconnected(false)
    if (!s.auth.isAuthenticated || socket.active) return
    s.connection.markConnecting()
    socket.connect()
  }

  /** The server ended the session: renewed with a refreshed token, without a word. */
  async function renew(reason: string): Promise<void> {
    // Only expiry is cured by the token already held (the store refreshes it ahead of
    // time); any other end (signed out elsewhere, password changed) needs a refresh the
    // server accepts, or it is over.
    if (reason !== 'token_expired' && !(await s.auth.refresh())) {
      if (s.auth.isAuthenticated) s.connection.markDisconnected(false)
      return
    }
    await connect()
  }

  /** A refused handshake: a token problem is renewed (twice at most), anything else waits. */
  function refused(refusal: Refusal): void {
    refusals += 1
    if (refusal.code === 'unauthenticated' && refusals <= 2) return void renew('refused')
    const wait = (refusal.retryAfter ?? 0) * 1000
    stopRetry()
    s.connection.markDisconnected(false)
    retry = setTimeout(() => void connect(), Math.max(wait, RETRY_MS * refusals))
  }

  function connected(): void {
    refusals = 0
  }

  return { connect, renew, refused, connected, stopRetry }
}
type Connector = ReturnType<typeof createConnector>

/** The socket's own events: connected, ended by the server, dropped, refused. */
function bindLifecycle(socket: AgentSocket, s: Stores, connector: Connector): void {
  const resync = createResync(socket, s)
  socket.on('connect', () => {
    connector.connected()
    void resync(s.connection.markConnected())
  })
  socket.on('agent:session-ended', (event) => {
    s.connection.endedReason = event.reason
  })
  socket.on('disconnect', (reason) => {
    // socket.io-client reconnects by itself after a network failure, never after the
    // server closed the socket: that one is ours to renew.
    const renewing = reason === 'io server disconnect' && s.auth.isAuthenticated
    s.connection.markDisconnected(renewing)
    s.conversations.onDisconnected()
    s.inbox.onDisconnected()
    s.outbox.onDisconnected()
    if (renewing) void connector.renew(s.connection.endedReason ?? 'server_disconnect')
  })
  socket.on('connect_error', (error) => {
    if (socket.active) return s.connection.markDisconnected(false) // the client retries with backoff
    connector.refused((error as Error & { data?: Refusal }).data ?? {})
  })
}

/** Signing in connects; signing out or another account disconnects and forgets. */
function followAccount(socket: AgentSocket, s: Stores, connector: Connector): void {
  watch(
    () => s.auth.user?.id ?? null,
    (id, before) => {
      if (before) {
        connector.stopRetry()
        socket.disconnect()
        forgetAccount(s)
      }
      if (id) {
        s.outbox.load(id)
        void connector.connect()
      }
    },
    { immediate: true },
  )
  // A token refreshed while nothing is trying to connect (the server was unreachable).
  watch(
    () => s.auth.accessToken,
    (token) => {
      if (token && !socket.active) void connector.connect()
    },
  )
}

/** Binds the socket to the stores and the session; returns what undoes it (tests, unmount). */
export function installSocket(socket: AgentSocket, pinia: Pinia): () => void {
  const s = useStores(pinia)
  s.connection.attach(socket)
  // A callback, so every (re)connection presents the current token, refreshed or not.
  // The language lets a refusal be worded in the one the person reads.
  socket.auth = (cb) => cb({ token: s.auth.accessToken, language: i18n.global.locale.value })
  const connector = createConnector(socket, s)
  const scope = effectScope(true)
  scope.run(() => {
    routeEvents(socket, s)
    bindLifecycle(socket, s, connector)
    followAccount(socket, s, connector)
  })
  return () => {
    scope.stop()
    connector.stopRetry()
    socket.off()
    socket.disconnect()
  }
}

/** `app.use(socketPlugin, socket)`, after Pinia. */
export const socketPlugin: Plugin<[AgentSocket]> = {
  install(app, socket) {
    app.onUnmount(installSocket(socket, app.config.globalProperties.$pinia))
  },
}
