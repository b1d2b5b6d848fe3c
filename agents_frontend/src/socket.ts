import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { apiBaseUrl } from '@/services/api'
import type { ClientToServerEvents, ServerToClientEvents } from '@/types/events'

export type AgentSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * A client with the app's options, not connected: the socket plugin (`plugins/socket.ts`)
 * gives it the session's token and decides when it connects. The unit tests build theirs
 * here too, against the real backend on loopback.
 */
export function createAgentSocket(
  url: string,
  overrides: Partial<ManagerOptions & SocketOptions> = {},
): AgentSocket {
  return io(url, {
    autoConnect: false,
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    ...overrides,
  })
}

/** The one socket of the app. */
export const socket: AgentSocket = createAgentSocket(apiBaseUrl())

// A test hook: e2e tests force-drop the connection the way a network failure would.
if (typeof window !== 'undefined') {
  ;(window as unknown as { __agentsSocket?: AgentSocket }).__agentsSocket = socket
}
