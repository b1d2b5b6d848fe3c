import { storeToRefs } from 'pinia'
import { watch } from 'vue'
import { socket } from '@/socket'
import { useAgentsStore } from '@/stores/agents'
import { useAuthStore } from '@/stores/auth'

let started = false

/**
 * Binds the one socket to the agents store (once) and keeps it connected while someone
 * is signed in. A refused handshake (expired token) refreshes the token and tries again;
 * a dropped connection is left to socket.io-client's own backoff.
 */
export function useAgentSocket() {
  const agents = useAgentsStore()
  const auth = useAuthStore()
  const { connection, everConnected } = storeToRefs(agents)

  if (!started) {
    started = true
    agents.bind(socket)
    socket.on('connect_error', async (error) => {
      agents.connection = 'disconnected'
      if (socket.active) return // a transport failure: the client retries by itself
      const authProblem = /token|authentication|unknown user/i.test(error.message)
      if (authProblem) {
        const token = await auth.refresh()
        if (token) socket.connect()
        return
      }
      setTimeout(() => {
        if (auth.isAuthenticated && !socket.connected) socket.connect()
      }, 2000)
    })
    watch(
      () => auth.isAuthenticated,
      (signedIn) => {
        if (signedIn && !socket.connected) {
          agents.setConnecting()
          socket.connect()
        } else if (!signedIn) {
          socket.disconnect()
          agents.reset()
        }
      },
      { immediate: true },
    )
  }

  return { connection, everConnected }
}
