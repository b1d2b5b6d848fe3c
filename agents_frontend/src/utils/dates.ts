/** Calendar days as the date pickers and the server's `YYYY-MM-DD` read them. */

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/

/** YYYY-MM-DD of a Date in the browser's own calendar (for the date picker). */
export function isoDate(date: Date): string {
  const y = date.getFullYear()
  const m = String(date.getMonth() + 1).padStart(2, '0')
  const d = String(date.getDate()).padStart(2, '0')
  return `${y}-${m}-${d}`
}

export function parseIsoDate(value: string): Date {
  const [y, m, d] = value.split('-').map(Number)
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1)
}

/** When a booking is, as every view shows it: `Dec 2, 2026 09:30–10:30 (America/Sao_Paulo)`.
 * The date is the calendar's own day (formatted in UTC, so no browser zone shifts it). */
export function bookingWhen(booking: { date: string; time: string; endTime: string; timezone: string }, locale: string): string {
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${booking.date}T00:00:00Z`))
  return `${date} ${booking.time}–${booking.endTime} (${booking.timezone})`
}

/**
 * How long ago, as a list shows it: "now", "5 min ago", "3 hours ago", then yesterday and
 * older as a short date (with the time for the last week).
 */
export function relativeTime(epochMs: number, now: number, locale: string): string {
  const seconds = Math.round((epochMs - now) / 1000)
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' })
  if (Math.abs(seconds) < 45) return rtf.format(0, 'second')
  const minutes = Math.round(seconds / 60)
  if (Math.abs(minutes) < 60) return rtf.format(minutes, 'minute')
  const hours = Math.round(minutes / 60)
  if (Math.abs(hours) < 24) return rtf.format(hours, 'hour')
  const date = new Date(epochMs)
  const week = Math.abs(now - epochMs) < 7 * 24 * 3600 * 1000
  return new Intl.DateTimeFormat(locale, week ? { weekday: 'short', hour: '2-digit', minute: '2-digit' } : { dateStyle: 'short' }).format(date)
}
