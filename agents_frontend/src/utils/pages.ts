/** What the person's own pages share: where a conversation opens, how a moment reads. */
import type { RouteLocationRaw } from 'vue-router'
import { isVisitorConversation } from '@/utils/conversation'

/** A signed-in chat opens in the chat view; a website visitor's in the team's inbox. */
export function conversationRoute(agentKey: string | null, contactId: string | null): RouteLocationRaw | null {
  if (!contactId) return null
  if (isVisitorConversation(contactId)) return { name: 'visitors', params: { conversationId: contactId } }
  if (!agentKey) return null
  return { name: 'chat', params: { agentKey, contactId } }
}

/** `Thursday, December 3, 2026, 10:00 – 11:00 BRT`, in the browser's own time zone. */
export function meetingRange(startIso: string, endIso: string, locale: string): string {
  const start = new Date(startIso)
  const end = new Date(endIso)
  const day = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(start)
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' })
  const zone = new Intl.DateTimeFormat(locale, { timeZoneName: 'short' })
    .formatToParts(start)
    .find((part) => part.type === 'timeZoneName')?.value
  return `${day}, ${time.format(start)} – ${time.format(end)}${zone ? ` ${zone}` : ''}`
}

/** The browser's zone differs from the calendar's: then the calendar's time is shown too. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

/** A `YYYY-MM-DD` day as the person reads it (no zone shift: it is a calendar day). */
export function calendarDay(day: string, locale: string, style: 'medium' | 'full' = 'medium'): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`))
}
