import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { AxiosError, AxiosHeaders } from 'axios'
import type { TokenPair } from '@/types/api'

const api = vi.hoisted(() => ({ register: vi.fn(), login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), me: vi.fn() }))
vi.mock('@/services/api', async (original) => {
  const real = await original<typeof import('@/services/api')>()
  return { ...real, authApi: api }
})

import { SESSION_KEY, refreshDelay, useAuthStore } from '@/stores/auth'

let n = 0
function pair(expiresIn = 1800): TokenPair {
  n += 1
  return {
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
    token_type: 'bearer',
    expires_in: expiresIn,
    user: { id: 'u1', email: 'a@b.co', name: 'Ana', role: 'user', created_at: '2024-01-01T00:00:00Z' },
  }
}

function httpError(status: number): AxiosError {
  const config = { headers: new AxiosHeaders() }
  return new AxiosError('failed', 'ERR', config, null, { status, statusText: '', headers: {}, config, data: { detail: 'no' } })
}

beforeEach(() => {
  localStorage.clear()
  Object.values(api).forEach((f) => f.mockReset())
  vi.useFakeTimers()
  setActivePinia(createPinia())
})
afterEach(() => {
  vi.useRealTimers()
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
    const first = pair()
    api.login.mockResolvedValue(first)
    const auth = useAuthStore()
    await auth.login('a@b.co', 'pw')
    expect(auth.isAuthenticated).toBe(true)
    expect(JSON.parse(localStorage.getItem(SESSION_KEY)!).accessToken).toBe(first.access_token)

    setActivePinia(createPinia())
    const restored = useAuthStore()
    expect(restored.isAuthenticated).toBe(true)
    expect(restored.accessToken).toBe(first.access_token)
  })

  it('refreshes silently before the access token expires', async () => {
    const first = pair(600)
    const second = pair(600)
    api.login.mockResolvedValue(first)
    api.refresh.mockResolvedValue(second)
    const auth = useAuthStore()
    await auth.login('a@b.co', 'pw')
    expect(api.refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(600 * 1000)
    expect(api.refresh).toHaveBeenCalledTimes(1)
    expect(api.refresh).toHaveBeenCalledWith(first.refresh_token)
    expect(auth.accessToken).toBe(second.access_token)
  })

  it('shares one refresh between concurrent callers', async () => {
    api.login.mockResolvedValue(pair())
    let finish: (p: TokenPair) => void = () => {}
    api.refresh.mockReturnValue(new Promise<TokenPair>((r) => (finish = r)))
    const auth = useAuthStore()
    await auth.login('a@b.co', 'pw')
    const a = auth.refresh()
    const b = auth.refresh()
    const next = pair()
    finish(next)
    expect(await a).toBe(next.access_token)
    expect(await b).toBe(next.access_token)
    expect(api.refresh).toHaveBeenCalledTimes(1)
  })

  it('ends the session cleanly when the refresh is refused', async () => {
    api.login.mockResolvedValue(pair())
    api.refresh.mockRejectedValue(httpError(401))
    const auth = useAuthStore()
    await auth.login('a@b.co', 'pw')
    expect(await auth.refresh()).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.sessionExpired).toBe(true)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('keeps the session and retries when the server is unreachable', async () => {
    api.login.mockResolvedValue(pair())
    api.refresh.mockRejectedValueOnce(new AxiosError('Network Error')).mockResolvedValueOnce(pair())
    const auth = useAuthStore()
    await auth.login('a@b.co', 'pw')
    expect(await auth.refresh()).toBeNull()
    expect(auth.isAuthenticated).toBe(true)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(api.refresh).toHaveBeenCalledTimes(2)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('signs out locally and revokes the refresh token', async () => {
    const p = pair()
    api.login.mockResolvedValue(p)
    api.logout.mockResolvedValue(undefined)
    const auth = useAuthStore()
    await auth.login('a@b.co', 'pw')
    await auth.logout()
    expect(auth.isAuthenticated).toBe(false)
    expect(api.logout).toHaveBeenCalledWith(p.refresh_token)
  })
})
