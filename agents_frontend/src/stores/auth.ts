import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { AxiosError } from 'axios'
import { authApi, configureAuth } from '@/services/api'
import type { TokenPair, UserPublic } from '@/types/api'

export const SESSION_KEY = 'agents.session'
/** Refresh this long before expiry (capped at a fifth of the lifetime for short tokens). */
const REFRESH_MARGIN_MS = 60_000
const NETWORK_RETRY_MS = 15_000

interface StoredSession {
  accessToken: string
  refreshToken: string
  expiresAt: number
  user: UserPublic
}

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY)
    if (!raw) return null
    const parsed = JSON.parse(raw) as Partial<StoredSession>
    if (!parsed.accessToken || !parsed.refreshToken || !parsed.user || !parsed.expiresAt) return null
    return parsed as StoredSession
  } catch {
    return null
  }
}

/** When to refresh a token that expires at `expiresAt`, given that it lives `lifetimeMs`. */
export function refreshDelay(expiresAt: number, lifetimeMs: number, now: number): number {
  const margin = Math.min(REFRESH_MARGIN_MS, Math.max(lifetimeMs / 5, 1000))
  return Math.max(0, expiresAt - margin - now)
}

export const useAuthStore = defineStore('auth', () => {
  const stored = readStored()
  const user = ref<UserPublic | null>(stored?.user ?? null)
  const accessToken = ref<string | null>(stored?.accessToken ?? null)
  const refreshToken = ref<string | null>(stored?.refreshToken ?? null)
  const expiresAt = ref<number>(stored?.expiresAt ?? 0)
  /** Set when a refresh failed and the person was signed out for it. */
  const sessionExpired = ref(false)
  const isAuthenticated = computed(() => user.value !== null && refreshToken.value !== null)

  let timer: ReturnType<typeof setTimeout> | null = null
  let inFlight: Promise<string | null> | null = null

  function persist(): void {
    if (user.value && accessToken.value && refreshToken.value) {
      const session: StoredSession = {
        accessToken: accessToken.value,
        refreshToken: refreshToken.value,
        expiresAt: expiresAt.value,
        user: user.value,
      }
      localStorage.setItem(SESSION_KEY, JSON.stringify(session))
    } else {
      localStorage.removeItem(SESSION_KEY)
    }
  }

  function clearTimer(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  function schedule(lifetimeMs: number): void {
    clearTimer()
    if (!refreshToken.value) return
    const delay = refreshDelay(expiresAt.value, lifetimeMs, Date.now())
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, delay)
  }

  function adopt(pair: TokenPair): void {
    user.value = pair.user
    accessToken.value = pair.access_token
    refreshToken.value = pair.refresh_token
    expiresAt.value = Date.now() + pair.expires_in * 1000
    sessionExpired.value = false
    persist()
    schedule(pair.expires_in * 1000)
  }

  function clearSession(): void {
    clearTimer()
    user.value = null
    accessToken.value = null
    refreshToken.value = null
    expiresAt.value = 0
    persist()
  }

  async function register(
    name: string,
    email: string,
    password: string,
    preferredLanguage?: UserPublic['preferredLanguage'],
  ): Promise<void> {
    adopt(await authApi.register({ name, email, password, preferredLanguage }))
  }

  /** The account as the server now has it (after a profile change). */
  function updateUser(next: UserPublic): void {
    if (!user.value || user.value.id !== next.id) return
    user.value = next
    persist()
  }

  async function login(email: string, password: string): Promise<void> {
    adopt(await authApi.login({ email, password }))
  }

  async function logout(): Promise<void> {
    const token = refreshToken.value
    clearSession()
    sessionExpired.value = false
    if (token) {
      try {
        await authApi.logout(token)
      } catch {
        // Signed out locally either way; the refresh token expires on its own.
      }
    }
  }

  /** One refresh at a time; resolves to the new access token or null (signed out). */
  function refresh(): Promise<string | null> {
    if (inFlight) return inFlight
    const token = refreshToken.value
    if (!token) return Promise.resolve(null)
    inFlight = (async () => {
      try {
        adopt(await authApi.refresh(token))
        return accessToken.value
      } catch (error) {
        const status = error instanceof AxiosError ? error.response?.status : undefined
        if (status === undefined || status >= 500 || status === 429) {
          // The server is unreachable, not the session invalid: try again shortly.
          clearTimer()
          timer = setTimeout(() => void refresh(), NETWORK_RETRY_MS)
          return null
        }
        clearSession()
        sessionExpired.value = true
        return null
      } finally {
        inFlight = null
      }
    })()
    return inFlight
  }

  /** On start-up: refresh at once when the stored token is (nearly) expired. */
  function resume(): void {
    if (!refreshToken.value) return
    const remaining = expiresAt.value - Date.now()
    if (remaining <= REFRESH_MARGIN_MS) void refresh()
    else schedule(remaining)
  }

  /** Another tab refreshed (refresh tokens rotate): take its tokens instead of reusing ours. */
  function adoptFromStorage(): void {
    const next = readStored()
    if (!next) {
      if (user.value) clearSession()
      return
    }
    user.value = next.user
    accessToken.value = next.accessToken
    refreshToken.value = next.refreshToken
    expiresAt.value = next.expiresAt
    schedule(Math.max(next.expiresAt - Date.now(), 0))
  }

  configureAuth({ accessToken: () => accessToken.value, refresh })

  return {
    // Also for a token pair another route hands out (POST /auth/password).
    adopt,
    user,
    accessToken,
    refreshToken,
    expiresAt,
    sessionExpired,
    isAuthenticated,
    register,
    updateUser,
    login,
    logout,
    refresh,
    resume,
    adoptFromStorage,
    clearSession,
  }
})
