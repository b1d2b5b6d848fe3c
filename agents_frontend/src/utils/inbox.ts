/**
 * How the inbox's rows and its open transcript change, as plain functions (the inbox
 * store holds the state; these hold the rules, and unit tests check them directly).
 */
import type { ChatMessage, Conversation } from '@/types/chat'
import type { ConversationStatus, InboxConversation, InboxListItem } from '@/types/api'
import type { AgentMessageEvent } from '@/types/events'
import { byTime, upsertMessage } from './conversation'

export interface InboxFilters {
  status: ConversationStatus | null
  agentKey: string | null
  workspace: string | null
  /** Searched by the server (lead name, e-mail, message text): rows it returned match. */
  q: string
}

export const STATUSES: readonly ConversationStatus[] = ['bot', 'waiting', 'human', 'closed']

export function emptyFilters(): InboxFilters {
  return { status: null, agentKey: null, workspace: null, q: '' }
}

/** Newest activity first (ties: a stable order). */
export function byActivity(a: InboxListItem, b: InboxListItem): number {
  return b.lastActivity - a.lastActivity || a.id.localeCompare(b.id)
}

/**
 * A row as the server now sends it (`inbox:conversation`, an action's answer, a list).
 * `unread` is the caller's own count, absent from events: the one known is kept. A row read
 * while a newer message was on its way does not roll the last message back.
 */
export function mergeRow(known: InboxListItem | undefined, next: InboxConversation | InboxListItem): InboxListItem {
  const unread = typeof (next as Partial<InboxListItem>).unread === 'number' ? (next as InboxListItem).unread : (known?.unread ?? 0)
  const row: InboxListItem = { ...next, unread }
  if (known && known.lastActivity > next.lastActivity) {
    row.lastActivity = known.lastActivity
    row.lastMessage = known.lastMessage
  }
  return row
}

/** Whether a row belongs in the list the filters ask for (`hits`: the search's answer). */
export function matchesFilters(row: InboxListItem, filters: InboxFilters, hits: ReadonlySet<string> | null): boolean {
  if (filters.status && row.status !== filters.status) return false
  if (filters.agentKey && row.agentKey !== filters.agentKey) return false
  if (filters.workspace && row.workspaceId !== filters.workspace) return false
  if (filters.q.trim()) return hits?.has(row.id) ?? false
  return true
}

/**
 * A message of a listed conversation: the row shows it as its last one, and a visitor's
 * message in a conversation the caller does not have open is unread. Resolves whether it
 * was counted. The same message again (an update) or an older one changes no count.
 */
export function applyMessageToRow(row: InboxListItem, event: AgentMessageEvent, open: boolean): boolean {
  const last = row.lastMessage
  if (last && last.id === event.id) {
    row.lastMessage = event
    return false
  }
  if (last && event.timestamp < last.timestamp) return false
  row.lastMessage = event
  row.lastActivity = Math.max(row.lastActivity, event.timestamp)
  if (event.author !== 'user' || open) return false
  row.unread += 1
  return true
}

/**
 * The agent fell silent (a person took the conversation, or was asked for, or it was
 * closed): a reply still streaming stops where it is, marked interrupted. Its stored copy,
 * if the server keeps one, replaces it when it comes.
 */
export function stopStreaming(conv: Conversation): void {
  for (const message of conv.messages) {
    if (message.status === 'streaming') Object.assign(message, { status: 'sent', incomplete: true, heldDeltas: undefined })
  }
  conv.typing = false
}

/** A teammate's message before the server has it: shown at once, `sending`. */
export function pendingHuman(
  conv: Conversation,
  entry: { clientMessageId: string; text: string; authorName: string; timestamp: number },
): ChatMessage {
  const message: ChatMessage = {
    key: `c:${entry.clientMessageId}`,
    id: null,
    clientMessageId: entry.clientMessageId,
    agentKey: conv.agentKey,
    contactId: conv.contactId,
    author: 'human',
    authorName: entry.authorName,
    text: entry.text,
    timestamp: entry.timestamp,
    offline: false,
    incomplete: false,
    status: 'sending',
    attempt: 1,
  }
  conv.messages.push(message)
  conv.messages.sort(byTime)
  return conv.messages.find((m) => m.key === message.key)!
}

/**
 * The server stored a teammate's message (the POST's answer). Its `inbox:message` may have
 * come first: when that copy is another bubble (it carried no clientMessageId), the
 * pending one goes; otherwise the pending bubble becomes the server's copy.
 */
export function settleHuman(conv: Conversation, clientMessageId: string, event: AgentMessageEvent): void {
  const pending = conv.messages.find((m) => m.clientMessageId === clientMessageId)
  const stored = conv.messages.find((m) => m.id === event.id && m !== pending)
  if (pending && stored) {
    conv.messages.splice(conv.messages.indexOf(pending), 1)
    return
  }
  upsertMessage(conv, { ...event, clientMessageId })
}

/** How a finding's value reads: `(key, value) => text` (see `findingNamer`). */
export type FindingNamer = (key: string, value: string) => string

/** What NLU found, as label -> values, leaving out what is empty; `name` turns a value
 * into what a person reads. */
export function findingEntries(
  findings: Record<string, unknown> | null | undefined,
  name: FindingNamer = (_key, value) => value,
): { key: string; values: string[] }[] {
  if (!findings) return []
  const entries: { key: string; values: string[] }[] = []
  for (const [key, value] of Object.entries(findings)) {
    const values = (Array.isArray(value) ? value : [value])
      .map(describe)
      .filter((v) => v !== '')
      .map((v) => name(key, v))
    if (values.length) entries.push({ key, values: [...new Set(values)] })
  }
  return entries
}

/** Intents and languages by their names in the person's language ("Agendar reunião",
 * "Português"), not the rules' internal ones; anything else as found. */
export function findingNamer(t: (key: string) => string, te: (key: string) => boolean): FindingNamer {
  return (key, value) => {
    const path = key === 'intents' ? `inbox.intentName.${value}` : key === 'language' ? `inbox.languageName.${value}` : null
    return path !== null && te(path) ? t(path) : value
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined || value === false) return ''
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'number' || value === true) return String(value)
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    const named = record.text ?? record.value ?? record.name ?? record.intent ?? record.label
    if (typeof named === 'string' || typeof named === 'number') return String(named)
    return Object.values(record)
      .filter((v) => typeof v === 'string' || typeof v === 'number')
      .join(' ')
  }
  return ''
}

/** Who a row is about: the lead's name, else their e-mail or phone, else `fallback`. */
export function leadName(row: Pick<InboxConversation, 'contact'>, fallback: string): string {
  return row.contact.name || row.contact.email || row.contact.phone || fallback
}
