/**
 * Starts the real backend (uvicorn + embedded mongod, as the browser tests do) once for
 * the whole Vitest run; every store scenario that involves the server talks to it over
 * real HTTP and a real socket.
 */
import type { TestProject } from 'vitest/node'
import { startBackend, type RunningBackend } from '../../e2e/backend.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    backendUrl: string
  }
}

/** Where the tests' DOM (happy-dom) says it is: the backend lets this origin in, too. */
const TEST_ORIGIN = 'http://localhost:3000'

let backend: RunningBackend | null = null

export async function setup(project: TestProject): Promise<void> {
  backend = await startBackend(
    {
      CORS_ORIGINS: TEST_ORIGIN,
      // Many sign-ups, sockets and messages from one address in a few seconds.
      RATE_LIMIT_MESSAGES: '10000/minute',
      RATE_LIMIT_LOGINS_PER_ACCOUNT: '10000/minute',
      RATE_LIMIT_LOGINS_PER_IP: '10000/minute',
      RATE_LIMIT_CONNECTIONS_PER_IP: '10000/minute',
      RATE_LIMIT_NEW_VISITORS_PER_IP: '10000/hour',
      RATE_LIMIT_VISITOR_MESSAGES: '10000/minute',
      // Webhook endpoints on loopback (nothing listens there: deliveries stay pending).
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    },
    'vitest',
  )
  project.provide('backendUrl', backend.url)
}

export async function teardown(): Promise<void> {
  await backend?.stop()
}
