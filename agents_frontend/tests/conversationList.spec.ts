/**
 * The conversation list follows the chat's own events (no polling), and a search
 * snippet marks its matches as text, never as HTML.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useConversationListStore } from '@/stores/conversationList'
import { useConversationsStore } from '@/stores/conversations'
import { snippetParts } from '@/utils/snippet'

beforeEach(() => {
  setActivePinia(createPinia())
})

function row(contactId: string, lastActivity: number) {
  return {
    contactId,
    title: contactId,
    titleSource: 'first_message' as const,
    lastActivity,
    lastMessage: { author: 'agent' as const, text: 'ok' },
    messageCount: 2,
  }
}

describe('conversation list: live updates', () => {
  it('moves a conversation to the top and adds a new one when a message is stored', () => {
    const lists = useConversationListStore()
    const chat = useConversationsStore()
    const list = lists.listOf('sdr')
    list.rows = [row('a', 20), row('b', 10)]
    list.loaded = true

    chat.onMessage({ agentKey: 'sdr', contactId: 'b', id: 'm1', author: 'user', text: 'de novo', timestamp: 30, offline: false })
    expect(list.rows.map((r) => r.contactId)).toEqual(['b', 'a'])
    expect(list.rows[0]).toMatchObject({ lastActivity: 30, messageCount: 3, lastMessage: { author: 'user', text: 'de novo' } })

    chat.onMessage({ agentKey: 'sdr', contactId: 'c-new', id: 'm2', author: 'user', text: 'Primeira   pergunta', timestamp: 40, offline: false })
    expect(list.rows[0]).toMatchObject({ contactId: 'c-new', title: 'Primeira pergunta', messageCount: 1 })

    chat.onMessage({ agentKey: 'sdr', contactId: 'visitor:abc', id: 'm3', author: 'user', text: 'site', timestamp: 50, offline: false })
    chat.onMessage({ agentKey: 'support', contactId: 'x', id: 'm4', author: 'user', text: 'other agent', timestamp: 60, offline: false })
    expect(list.rows.map((r) => r.contactId)).toEqual(['c-new', 'b', 'a'])
  })
})

describe('search snippet', () => {
  it('cuts the snippet into plain and matched parts, skipping ranges out of bounds', () => {
    const snippet = '<img src=x onerror=alert(1)> quero agendar'
    expect(snippetParts(snippet, [{ start: 35, end: 42 }, { start: 40, end: 99 }])).toEqual([
      { text: '<img src=x onerror=alert(1)> quero ', match: false },
      { text: 'agendar', match: true },
    ])
    expect(snippetParts('abc', [])).toEqual([{ text: 'abc', match: false }])
  })
})
