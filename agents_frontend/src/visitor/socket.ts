import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client'
import type { VisitorSocket } from './store'

/**
 * A visitor's client for the `/public` namespace of the server at `origin`, not connected:
 * the store gives it its auth callback (slug, token, language, embedding site) and connects.
 */
export function createVisitorSocket(
  origin: string,
  overrides: Partial<ManagerOptions & SocketOptions> = {},
): VisitorSocket {
  return io(`${origin}/public`, {
    autoConnect: false,
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    ...overrides,
  })
}
