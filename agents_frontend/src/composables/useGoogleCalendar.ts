import { ref } from 'vue'
import { errorMessage, googleCalendarApi } from '@/services/api'
import type { GoogleCalendarDisconnected, GoogleCalendarStatus } from '@/types/api'

/** Why a connection failed, as the server's callback names it (`?calendar=error&code=…`). */
export const GOOGLE_CONNECT_ERRORS = [
  'google_state_invalid',
  'google_consent_denied',
  'google_scope_missing',
  'google_connect_failed',
  'google_not_configured',
] as const
export type GoogleConnectError = (typeof GOOGLE_CONNECT_ERRORS)[number] | 'generic'

export type ConnectResult = { kind: 'connected' } | { kind: 'error'; code: GoogleConnectError }

/**
 * What Google's round trip ended in, from the query the server's callback redirected to
 * (`?calendar=connected` or `?calendar=error&code=…`); null when the page was not reached
 * that way. Only known codes are kept: the query is anyone's to write.
 */
export function connectResult(query: Record<string, unknown>): ConnectResult | null {
  if (query.calendar === 'connected') return { kind: 'connected' }
  if (query.calendar !== 'error') return null
  const known = (GOOGLE_CONNECT_ERRORS as readonly unknown[]).includes(query.code)
  return { kind: 'error', code: known ? (query.code as GoogleConnectError) : 'generic' }
}

/** The query without the callback's keys, so a reload does not show the result again. */
export function withoutConnectResult<T>(query: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(query).filter(([key]) => key !== 'calendar' && key !== 'code'))
}

/**
 * The owner's own Google Calendar: its status, connecting (the browser goes to Google's
 * consent page and comes back through the server's callback) and disconnecting.
 * `navigate` is how the page is left for Google (a test passes its own).
 */
export function useGoogleCalendar(navigate: (url: string) => void = (url) => window.location.assign(url)) {
  const status = ref<GoogleCalendarStatus | null>(null)
  const busy = ref(false)
  const error = ref<string | null>(null)
  const revocation = ref<GoogleCalendarDisconnected['revocation'] | null>(null)

  async function load(): Promise<void> {
    try {
      status.value = await googleCalendarApi.status()
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  async function connect(): Promise<void> {
    busy.value = true
    error.value = null
    try {
      navigate(await googleCalendarApi.connect())
      // Still busy: the page is on its way to Google.
    } catch (e) {
      error.value = errorMessage(e)
      busy.value = false
    }
  }

  async function disconnect(): Promise<void> {
    busy.value = true
    error.value = null
    try {
      const answer = await googleCalendarApi.disconnect()
      revocation.value = answer.revocation
      status.value = answer
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      busy.value = false
    }
  }

  return { status, busy, error, revocation, load, connect, disconnect }
}
