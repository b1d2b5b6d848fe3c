import { storeToRefs } from 'pinia'
import { useConnectionStore } from '@/stores/connection'
import { useOutboxStore } from '@/stores/outbox'

/**
 * How the connection stands, for views. The socket's life cycle is the app's (see
 * `plugins/socket.ts`): calling this connects nothing and binds nothing.
 */
export function useAgentSocket() {
  const { state: connection, everConnected, interrupted } = storeToRefs(useConnectionStore())
  const { waiting } = storeToRefs(useOutboxStore())
  return { connection, everConnected, interrupted, waiting }
}
