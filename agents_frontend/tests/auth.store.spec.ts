/**
 * The auth store against the real backend: the app's own axios client makes every
 * request, and refresh tokens rotate as the server rotates them. Timers that decide when
 * to refresh are faked, never waited for.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { agentsApi, http } from '@/services/api'
import { SESSION_KEY, refreshDelay, useAuthStore } from '@/stores/auth'
import { freePort } from '../e2e/backend.mjs'
import { api, backendUrl, newAccount, until, wire } from './support/app'

const refreshes = () => wire.filter((w) => w === 'POST /auth/refresh').length

async function signedIn() {
  const auth = useAuthStore()
  const account = newAccount()
  await auth.register(account.name, account.email, account.password)
  return { auth, account }
}

beforeEach(() => {
  localStorage.clear()
  wire.length = 0
  setActivePinia(createPinia())
})

afterEach(() => {
  useAuthStore().clearSession() // no refresh timer outlives its test
  vi.useRealTimers()
  http.defaults.baseURL = backendUrl
})

describe('refreshDelay', () => {
  it('refreshes before expiry, earlier for longer tokens but never in the past', () => {
    const now = 1_000_000
    const long = refreshDelay(now + 30 * 60_000, 30 * 60_000, now)
    const short = refreshDelay(now + 60_000, 60_000, now)
    expect(long).toBe(29 * 60_000)
    expect(short).toBe(48_000)
    expect(refreshDelay(now - 5, 60_000, now)).toBe(0)
  })
})

describe('auth store', () => {
  it('signs in, persists the session and restores it in a new store', async () => {
    const { account } = await signedIn()
    const auth = useAuthStore()
    auth.clearSession()
    await auth.login(account.email, account.password)
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.user?.email).toBe(account.email)
    const stored = JSON.parse(localStorage.getItem(SESSION_KEY)!)
    expect(stored.accessToken).toBe(auth.accessToken)

    setActivePinia(createPinia())
    const restored = useAuthStore()
    expect(restored.isAuthenticated).toBe(true)
    expect(restored.accessToken).toBe(stored.accessToken)
    // The restored token is sent with requests and accepted.
    expect((await agentsApi.list()).agents.map((a) => a.key)).toEqual(expect.arrayContaining(['sdr', 'support']))
  })

  it('refreshes silently a minute before the access token expires', async () => {
    // Fake timers that still follow the clock, so real requests can complete.
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setTimeout', 'clearTimeout'] })
    const { auth } = await signedIn()
    const first = auth.accessToken
    const due = refreshDelay(auth.expiresAt, auth.expiresAt - Date.now(), Date.now())

    await vi.advanceTimersByTimeAsync(due - 5_000)
    expect(refreshes()).toBe(0)
    expect(auth.accessToken).toBe(first)

    await vi.advanceTimersByTimeAsync(10_000)
    await until(() => auth.accessToken !== first, 'the refreshed token')
    expect(refreshes()).toBe(1)
    // The server rotated the refresh token: the store holds the new one, and it works.
    expect((await agentsApi.list()).agents.length).toBeGreaterThanOrEqual(2)
  })

  it('a request refused for its token refreshes once and is retried', async () => {
    const { auth } = await signedIn()
    auth.accessToken = `${auth.accessToken}x`
    expect((await agentsApi.list()).agents.length).toBeGreaterThanOrEqual(2)
    expect(refreshes()).toBe(1)
    expect(wire.filter((w) => w === 'GET /agents')).toHaveLength(2)
  })

  it('shares one refresh between concurrent callers', async () => {
    const { auth } = await signedIn()
    const [a, b] = await Promise.all([auth.refresh(), auth.refresh()])
    expect(a).toBeTruthy()
    expect(b).toBe(a)
    expect(refreshes()).toBe(1)
  })

  it('ends the session cleanly when the refresh is refused', async () => {
    const { auth } = await signedIn()
    await api.post('/auth/logout', { refresh_token: auth.refreshToken }) // signed out elsewhere
    expect(await auth.refresh()).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.sessionExpired).toBe(true)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('keeps the session and retries when the server is unreachable', async () => {
    const { auth } = await signedIn()
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setTimeout', 'clearTimeout'] })
    http.defaults.baseURL = `http://127.0.0.1:${await freePort()}` // nothing listens there
    const before = auth.accessToken
    expect(await auth.refresh()).toBeNull()
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.sessionExpired).toBe(false)

    http.defaults.baseURL = backendUrl // the server is back
    await vi.advanceTimersByTimeAsync(15_000)
    await until(() => auth.accessToken !== before, 'the retried refresh')
    expect(refreshes()).toBe(2)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('signs out locally and revokes the refresh token', async () => {
    const { auth } = await signedIn()
    const refreshToken = auth.refreshToken!
    await auth.logout()
    expect(auth.isAuthenticated).toBe(false)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
    expect(wire).toContain('POST /auth/logout')
    const reuse = await api.post('/auth/refresh', { refresh_token: refreshToken }, { validateStatus: () => true })
    expect(reuse.status).toBe(401)
  })
})
