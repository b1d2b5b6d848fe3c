import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { apiBaseUrl } from '@/services/api'
import type { ClientToServerEvents, ServerToClientEvents } from '@/types/events'

export type AgentSocket = Socket<ServerToClientEvents, ClientToServerEvents>

let tokenSource: () => string | null = () => null

/** The auth store tells the socket where the current access token lives. */
export function setSocketTokenSource(source: () => string | null): void {
  tokenSource = source
}

/**
 * A client with the app's options. `auth` is a callback so every (re)connection presents
 * the current token, including one refreshed while disconnected. The unit tests build
 * theirs here too, against a real socket.io server on loopback.
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
    auth: (cb) => cb({ token: tokenSource() }),
    ...overrides,
  })
}

/** The one socket of the app. */
export const socket: AgentSocket = createAgentSocket(apiBaseUrl())

// A test hook: e2e tests force-drop the connection the way a network failure would.
if (typeof window !== 'undefined') {
  ;(window as unknown as { __agentsSocket?: AgentSocket }).__agentsSocket = socket
}
