import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { errorMessage } from '@/services/api'
import { conversationsApi, type ConversationSummary } from '@/services/conversationsApi'
import type { LastMessage } from '@/types/wire'
import type { AgentMessageEvent } from '@/types/events'
import { conversationId } from '@/utils/conversation'
import { useConversationsStore } from './conversations'
import { useOutboxStore } from './outbox'

const PAGE = 30
const PREVIEW_CHARS = 140
const TITLE_CHARS = 80

interface AgentList {
  rows: ConversationSummary[]
  loaded: boolean
  loading: boolean
  nextCursor: string | null
  error: string | null
}

function shorten(text: string, limit: number): string {
  const line = text.split(/\s+/).filter(Boolean).join(' ')
  return line.length <= limit ? line : `${line.slice(0, limit - 1).trimEnd()}…`
}

/**
 * The person's conversations per agent, from the server (a fresh browser shows them all),
 * kept current by the chat's own `agent:message` events: a new conversation appears,
 * the one that moved goes to the top, without polling.
 */
export const useConversationListStore = defineStore('conversationList', () => {
  const byAgent = reactive<Record<string, AgentList>>({})
  const chat = useConversationsStore()
  const outbox = useOutboxStore()

  function listOf(agentKey: string): AgentList {
    if (!byAgent[agentKey]) byAgent[agentKey] = { rows: [], loaded: false, loading: false, nextCursor: null, error: null }
    return byAgent[agentKey]!
  }

  async function load(agentKey: string, more = false): Promise<void> {
    const list = listOf(agentKey)
    if (list.loading || (more && !list.nextCursor)) return
    list.loading = true
    try {
      const page = await conversationsApi.list(agentKey, {
        limit: PAGE,
        ...(more && list.nextCursor ? { before: list.nextCursor } : {}),
      })
      const known = new Set(page.conversations.map((r) => r.contactId))
      list.rows = more ? [...list.rows, ...page.conversations.filter((r) => !list.rows.some((o) => o.contactId === r.contactId))] : [...page.conversations, ...list.rows.filter((r) => !known.has(r.contactId) && r.messageCount === 0)]
      list.nextCursor = page.nextCursor
      list.loaded = true
      list.error = null
    } catch (error) {
      list.error = errorMessage(error)
    } finally {
      list.loading = false
    }
  }

  /** Messages already counted (by their render key), so a message seen twice (sent here,
   * then echoed by the server) moves its conversation once. */
  const counted = new Set<string>()

  /** A message stored in one of the person's conversations moves it to the top. */
  function touch(event: AgentMessageEvent): void {
    const key = event.clientMessageId ? `c:${event.clientMessageId}` : `m:${event.id}`
    place(event.agentKey, event.contactId, { key, author: event.author, text: event.text, timestamp: event.timestamp })
  }

  function place(
    agentKey: string,
    contactId: string,
    message: { key: string; author: LastMessage['author']; text: string; timestamp: number },
  ): void {
    if (contactId.startsWith('visitor:')) return
    const list = byAgent[agentKey]
    if (!list?.loaded || counted.has(message.key)) return
    counted.add(message.key)
    const preview = { author: message.author, text: shorten(message.text, PREVIEW_CHARS) }
    let row = list.rows.find((r) => r.contactId === contactId)
    if (!row) {
      row = {
        contactId,
        title: contactId,
        titleSource: 'first_message',
        lastActivity: message.timestamp,
        lastMessage: preview,
        messageCount: 0,
      }
      list.rows.unshift(row)
      // Started elsewhere (another tab, or before this page knew of it): the server has
      // its first message, hence its title.
      if (message.author !== 'user') void load(agentKey)
    }
    if (row.messageCount === 0 && row.titleSource !== 'custom' && message.author === 'user') {
      row.title = shorten(message.text, TITLE_CHARS)
    }
    row.messageCount += 1
    if (message.timestamp >= row.lastActivity) {
      row.lastActivity = message.timestamp
      row.lastMessage = preview
    }
    list.rows.sort((a, b) => b.lastActivity - a.lastActivity)
  }

  async function rename(agentKey: string, contactId: string, title: string): Promise<void> {
    const updated = await conversationsApi.rename(agentKey, contactId, title)
    const list = listOf(agentKey)
    const index = list.rows.findIndex((r) => r.contactId === contactId)
    if (index >= 0) list.rows[index] = updated
  }

  async function remove(agentKey: string, contactId: string): Promise<void> {
    await conversationsApi.remove(agentKey, contactId)
    const list = listOf(agentKey)
    list.rows = list.rows.filter((r) => r.contactId !== contactId)
    // What this page held of it is gone too (reopening it starts empty).
    delete chat.conversations[conversationId(agentKey, contactId)]
  }

  function reset(): void {
    for (const key of Object.keys(byAgent)) delete byAgent[key]
    counted.clear()
  }

  // Live updates: what the person sends here (at once), and every `agent:message` the
  // chat store takes (replies, other tabs).
  outbox.$onAction(({ name, args, after }) => {
    if (name !== 'send') return
    const [agentKey, contactId] = args as [string, string, string]
    after((sent) => {
      if (sent) place(agentKey, contactId, { key: sent.key, author: 'user', text: sent.text, timestamp: sent.timestamp })
    })
  })
  chat.$onAction(({ name, args, after }) => {
    if (name === 'onMessage') after(() => touch(args[0] as AgentMessageEvent))
    if (name === 'reset') after(reset)
  })

  return { byAgent, listOf, load, touch, rename, remove, reset }
})
