import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { AgentSocket } from '@/socket'
import type { ConnectionState } from '@/types/chat'

/** How long a request over the socket may wait for its ack. */
export const ACK_TIMEOUT_MS = 10_000

/**
 * Refusals that mean "this socket's session is over", not "this request is wrong": the
 * server closes the socket right after, the app renews the session, and what was refused
 * is sent again.
 */
export const SESSION_CODES: ReadonlySet<string> = new Set(['token_expired', 'session_ended', 'unauthenticated'])

/**
 * The socket the stores talk through and how it stands. The socket plugin
 * (`plugins/socket.ts`) owns its life cycle and reports here; the stores only read.
 */
export const useConnectionStore = defineStore('connection', () => {
  /** Set once by the socket plugin; raw, so Vue never proxies the client. */
  const socket = shallowRef<AgentSocket | null>(null)
  const state = ref<ConnectionState>('idle')
  /** Whether the socket has connected at least once (a later connect is a reconnection). */
  const everConnected = ref(false)
  /** Why the server last ended the session (`agent:session-ended`), until it reconnects. */
  const endedReason = ref<string | null>(null)

  const connected = computed(() => state.value === 'connected')
  /** A lost connection the person should know about (a quick renewal is not one). */
  const interrupted = computed(
    () => state.value === 'disconnected' || (state.value === 'connecting' && everConnected.value),
  )

  function attach(client: AgentSocket): void {
    socket.value = markRaw(client)
  }

  /** The socket, when it can carry a request now. */
  function live(): AgentSocket | null {
    return socket.value?.connected ? socket.value : null
  }

  function markConnecting(): void {
    if (state.value === 'idle' || state.value === 'disconnected') state.value = 'connecting'
  }

  /** Resolves whether this connection is a reconnection (something may have been missed). */
  function markConnected(): boolean {
    const reconnection = everConnected.value
    state.value = 'connected'
    everConnected.value = true
    endedReason.value = null
    return reconnection
  }

  function markDisconnected(renewing: boolean): void {
    state.value = renewing ? 'renewing' : 'disconnected'
  }

  function reset(): void {
    state.value = 'idle'
    everConnected.value = false
    endedReason.value = null
  }

  return {
    socket,
    state,
    everConnected,
    endedReason,
    connected,
    interrupted,
    attach,
    live,
    markConnecting,
    markConnected,
    markDisconnected,
    reset,
  }
})
