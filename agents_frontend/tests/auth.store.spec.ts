/**
 * The auth store against a real HTTP server on loopback (`tests/support/backend.ts`):
 * the app's own axios client makes every request; refresh tokens rotate as on the backend.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { agentsApi, http } from '@/services/api'
import { SESSION_KEY, refreshDelay, useAuthStore } from '@/stores/auth'
import { startBackend, type TestBackend } from './support/backend'

let backend: TestBackend

const refreshCalls = () => backend.state.rest.filter((r) => r.path === '/auth/refresh').length

beforeEach(async () => {
  localStorage.clear()
  setActivePinia(createPinia())
  backend = await startBackend()
  http.defaults.baseURL = backend.url
})

afterEach(async () => {
  vi.useRealTimers()
  useAuthStore().clearSession() // no refresh timer outlives its test
  await backend.close()
})

describe('refreshDelay', () => {
  it('refreshes before expiry, earlier for longer tokens but never in the past', () => {
    const now = 1_000_000
    const long = refreshDelay(now + 30 * 60_000, 30 * 60_000, now)
    const short = refreshDelay(now + 60_000, 60_000, now)
    expect(long).toBeGreaterThan(0)
    expect(long).toBeLessThan(30 * 60_000)
    expect(short).toBeGreaterThan(0)
    expect(short).toBeLessThan(60_000)
    expect(refreshDelay(now - 5, 60_000, now)).toBe(0)
  })
})

describe('auth store', () => {
  it('signs in, persists the session and restores it in a new store', async () => {
    const auth = useAuthStore()
    await auth.login('ana@example.com', 'pw')
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.user?.id).toBe('ana')
    const stored = JSON.parse(localStorage.getItem(SESSION_KEY)!)
    expect(stored.accessToken).toBe(auth.accessToken)

    setActivePinia(createPinia())
    const restored = useAuthStore()
    expect(restored.isAuthenticated).toBe(true)
    expect(restored.accessToken).toBe(stored.accessToken)
    // The restored token is sent with requests and accepted.
    expect((await agentsApi.list()).agents.map((a) => a.key)).toEqual(['sdr', 'support'])
  })

  it('refreshes silently before the access token expires', async () => {
    backend.state.accessLifetimeSeconds = 2 // refreshed a second before it expires
    const auth = useAuthStore()
    const signedInAt = Date.now()
    await auth.login('ana@example.com', 'pw')
    const first = auth.accessToken
    await new Promise((r) => setTimeout(r, 500))
    expect(refreshCalls()).toBe(0)

    await vi.waitFor(() => expect(auth.accessToken).not.toBe(first), { timeout: 3000, interval: 20 })
    expect(Date.now() - signedInAt).toBeLessThan(2000)
    expect(refreshCalls()).toBe(1)
    // The server rotated the refresh token: the store holds the new one, and it works.
    expect((await agentsApi.list()).agents).toHaveLength(2)
  })

  it('a request refused for an expired token refreshes once and is retried', async () => {
    const auth = useAuthStore()
    await auth.login('ana@example.com', 'pw')
    backend.expire(auth.accessToken!)
    expect((await agentsApi.list()).agents).toHaveLength(2)
    expect(refreshCalls()).toBe(1)
    expect(backend.state.rest.filter((r) => r.path === '/agents')).toHaveLength(2)
  })

  it('shares one refresh between concurrent callers', async () => {
    const auth = useAuthStore()
    await auth.login('ana@example.com', 'pw')
    const [a, b] = await Promise.all([auth.refresh(), auth.refresh()])
    expect(a).toBeTruthy()
    expect(b).toBe(a)
    expect(refreshCalls()).toBe(1)
  })

  it('ends the session cleanly when the refresh is refused', async () => {
    const auth = useAuthStore()
    await auth.login('ana@example.com', 'pw')
    backend.state.refreshOutcome = () => 401
    expect(await auth.refresh()).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.sessionExpired).toBe(true)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('keeps the session and retries when the server is unreachable', async () => {
    const auth = useAuthStore()
    await auth.login('ana@example.com', 'pw')
    // Fake timers that still follow the clock, so the real request can complete.
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setTimeout', 'clearTimeout'] })
    let calls = 0
    backend.state.refreshOutcome = () => (++calls === 1 ? 'drop' : 'ok')
    const before = auth.accessToken
    expect(await auth.refresh()).toBeNull()
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.sessionExpired).toBe(false)

    await vi.advanceTimersByTimeAsync(15_000)
    await vi.waitFor(() => expect(auth.accessToken).not.toBe(before), { timeout: 3000, interval: 20 })
    expect(calls).toBe(2)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('signs out locally and revokes the refresh token', async () => {
    const auth = useAuthStore()
    await auth.login('ana@example.com', 'pw')
    const refreshToken = auth.refreshToken!
    await auth.logout()
    expect(auth.isAuthenticated).toBe(false)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
    expect(backend.state.rest.some((r) => r.path === '/auth/logout')).toBe(true)
    const reuse = await http.post('/auth/refresh', { refresh_token: refreshToken }, { validateStatus: () => true })
    expect(reuse.status).toBe(401)
  })
})
