/**
 * Connecting an owner's Google Calendar from the SPA: reading what the server's OAuth
 * callback redirected to, and the composable against the real backend, which runs
 * without a Google OAuth client here (the backend's own tests run the whole consent
 * flow against a local Google).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { connectResult, useGoogleCalendar, withoutConnectResult } from '@/composables/useGoogleCalendar'
import { useAuthStore } from '@/stores/auth'
import { newAccount, wire } from './support/app'

beforeEach(() => {
  localStorage.clear()
  wire.length = 0
  setActivePinia(createPinia())
})

afterEach(() => {
  useAuthStore().clearSession()
})

describe('the callback redirect', () => {
  it('tells a connection from a refusal, and keeps only codes it knows', () => {
    expect(connectResult({ calendar: 'connected' })).toEqual({ kind: 'connected' })
    expect(connectResult({ calendar: 'error', code: 'google_scope_missing' })).toEqual({
      kind: 'error',
      code: 'google_scope_missing',
    })
    expect(connectResult({ calendar: 'error', code: '<b>anything</b>' })).toEqual({ kind: 'error', code: 'generic' })
    expect(connectResult({ tab: 'bots' })).toBeNull()
  })

  it('leaves the rest of the query when it clears the result', () => {
    expect(withoutConnectResult({ calendar: 'error', code: 'x', tab: 'bots' })).toEqual({ tab: 'bots' })
  })
})

describe('useGoogleCalendar against a server without an OAuth client', () => {
  it('shows the button as unavailable and explains a refused connect, leaving the page where it is', async () => {
    const account = newAccount()
    await useAuthStore().register(account.name, account.email, account.password)
    const visited: string[] = []
    const google = useGoogleCalendar((url) => visited.push(url))

    await google.load()
    expect(google.status.value).toMatchObject({ configured: false, connected: false, calendar: 'local' })

    await google.connect()
    expect(visited).toEqual([])
    expect(google.busy.value).toBe(false)
    expect(google.error.value).toMatch(/not set up on this server/)
    expect(wire).toContain('POST /calendar/google/connect')

    await google.disconnect() // nothing connected: still a clean answer
    expect(google.revocation.value).toBe('none')
    expect(google.status.value?.connected).toBe(false)
  })
})
