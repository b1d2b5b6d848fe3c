/**
 * The inbox store's event reduction, with no server: new rows and status changes, the open
 * transcript growing from `inbox:stream` deltas and stopping when a person takes over,
 * unread counts, the waiting badge, a teammate's message sent once, and the visitor page's
 * "who answers" module.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AxiosError, AxiosHeaders } from 'axios'
import { createPinia, setActivePinia } from 'pinia'
import { inboxApi } from '@/services/api'
import { useAuthStore } from '@/stores/auth'
import { INBOX_TIMING, useInboxStore } from '@/stores/inbox'
import type { InboxConversation, InboxListItem } from '@/types/api'
import type { AgentMessageEvent, InboxStreamEvent } from '@/types/events'
import type { VisitorSessionEvent } from '@/types/wire'
import { createI18n } from 'vue-i18n'
import en from '@/locales/en'
import ptBR from '@/locales/pt-BR'
import { emptyConversation, runningTool, toolsBeforeText } from '@/utils/conversation'
import { relativeTime } from '@/utils/dates'
import {
  applyMessageToRow,
  emptyFilters,
  findingEntries,
  findingNamer,
  matchesFilters,
  mergeRow,
  pendingHuman,
  settleHuman,
  STATUSES,
} from '@/utils/inbox'
import { useVisitorStatusStore } from '@/visitor/status'
import { useVisitorStore, type VisitorSocket } from '@/visitor/store'

const ME = { id: 'u-me', name: 'Ana', email: 'ana@example.com', createdAt: '', preferredLanguage: null, role: 'user' }

function row(fields: Partial<InboxListItem> & { id: string }): InboxListItem {
  return {
    workspaceId: 'u-me',
    agentKey: 'flora',
    agentName: 'Flora',
    agentEmoji: '🌻',
    status: 'bot',
    assignee: null,
    contact: { name: null, email: null, phone: null },
    lastMessage: null,
    lastActivity: 1000,
    createdAt: 1000,
    waitingSince: null,
    bookings: [],
    unread: 0,
    ...fields,
  }
}

function event(fields: Partial<InboxConversation> & { id: string }): InboxConversation {
  const { unread: _unread, ...rest } = row(fields)
  return rest
}

function message(fields: Partial<AgentMessageEvent> & { id: string; contactId: string }): AgentMessageEvent {
  return { agentKey: 'flora', author: 'user', text: 'Oi', timestamp: 2000, offline: false, ...fields }
}

function delta(contactId: string, id: string, text: string, seq: number): InboxStreamEvent {
  return { agentKey: 'flora', contactId, id, delta: text, seq, attempt: 1 }
}

function page(messages: AgentMessageEvent[] = []) {
  return { messages, hasMore: false, streaming: [] }
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().user = ME
  vi.spyOn(inboxApi, 'markRead').mockResolvedValue()
  vi.spyOn(inboxApi, 'messages').mockResolvedValue(page())
  vi.spyOn(inboxApi, 'detail').mockImplementation(async (id) => ({ conversation: row({ id }), findings: {}, summary: null }))
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

describe('inbox rows from events', () => {
  it('lists a new conversation and keeps the newest activity first', () => {
    const inbox = useInboxStore()
    inbox.onConversation(event({ id: 'visitor:a', lastActivity: 1000 }))
    inbox.onConversation(event({ id: 'visitor:b', lastActivity: 3000 }))
    expect(inbox.list.map((r) => r.id)).toEqual(['visitor:b', 'visitor:a'])
    inbox.onMessage(message({ id: 'm1', contactId: 'visitor:a', timestamp: 5000 }))
    expect(inbox.list.map((r) => r.id)).toEqual(['visitor:a', 'visitor:b'])
    expect(inbox.rows['visitor:a']!.lastMessage?.id).toBe('m1')
  })

  it('replaces a row on a status change and keeps the caller’s unread count', () => {
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a', unread: 2 }))
    inbox.onConversation(event({ id: 'visitor:a', status: 'human', assignee: { id: 'u-bia', name: 'Bia' } }))
    expect(inbox.rows['visitor:a']).toMatchObject({ status: 'human', assignee: { name: 'Bia' }, unread: 2 })
  })

  it('counts the conversations waiting for a person, and tells of a handoff', () => {
    const inbox = useInboxStore()
    inbox.onConversation(event({ id: 'visitor:a' }))
    inbox.onHandoff({ conversation: event({ id: 'visitor:a', status: 'waiting', contact: { name: 'Rui', email: null, phone: null } }), reason: 'button' })
    inbox.onHandoff({ conversation: event({ id: 'visitor:b', status: 'waiting' }), reason: 'visitor' })
    expect(inbox.waitingCount).toBe(2)
    expect(inbox.lastHandoff?.conversation.id).toBe('visitor:b')
    inbox.onConversation(event({ id: 'visitor:a', status: 'human', assignee: { id: ME.id, name: ME.name } }))
    expect(inbox.waitingCount).toBe(1)
  })

  it('fetches a row an event names that no list brought', async () => {
    const inbox = useInboxStore()
    inbox.onMessage(message({ id: 'm1', contactId: 'visitor:new' }))
    await vi.waitFor(() => expect(inbox.rows['visitor:new']).toBeDefined())
    expect(inboxApi.detail).toHaveBeenCalledWith('visitor:new')
  })

  it('does not roll a row back to an older last message', () => {
    const known = row({ id: 'visitor:a', lastActivity: 9000, lastMessage: message({ id: 'm9', contactId: 'visitor:a', timestamp: 9000 }) })
    const merged = mergeRow(known, event({ id: 'visitor:a', lastActivity: 5000, status: 'closed' }))
    expect(merged).toMatchObject({ status: 'closed', lastActivity: 9000, lastMessage: { id: 'm9' } })
  })
})

describe('unread counts', () => {
  it('counts a visitor’s message once, and never the agent’s or the team’s', () => {
    const r = row({ id: 'visitor:a' })
    expect(applyMessageToRow(r, message({ id: 'm1', contactId: 'visitor:a', timestamp: 2000 }), false)).toBe(true)
    expect(applyMessageToRow(r, message({ id: 'm1', contactId: 'visitor:a', timestamp: 2000, text: 'Oi!' }), false)).toBe(false)
    expect(applyMessageToRow(r, message({ id: 'm2', contactId: 'visitor:a', author: 'agent', timestamp: 2100 }), false)).toBe(false)
    expect(applyMessageToRow(r, message({ id: 'm3', contactId: 'visitor:a', author: 'human', timestamp: 2200 }), false)).toBe(false)
    expect(applyMessageToRow(r, message({ id: 'm0', contactId: 'visitor:a', timestamp: 100 }), false)).toBe(false)
    expect(r.unread).toBe(1)
    expect(r.lastMessage?.id).toBe('m3')
  })

  it('bumps rows not open, and marks the open one read on the server', async () => {
    vi.useFakeTimers()
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a' }))
    inbox.adopt(row({ id: 'visitor:b', unread: 3 }))
    void inbox.open('visitor:b')
    expect(inbox.rows['visitor:b']!.unread).toBe(0)
    inbox.onMessage(message({ id: 'm1', contactId: 'visitor:a' }))
    inbox.onMessage(message({ id: 'm2', contactId: 'visitor:b' }))
    inbox.onMessage(message({ id: 'm3', contactId: 'visitor:b', timestamp: 2500 }))
    expect(inbox.rows['visitor:a']!.unread).toBe(1)
    expect(inbox.rows['visitor:b']!.unread).toBe(0)
    await vi.advanceTimersByTimeAsync(INBOX_TIMING.readDelayMs + 10)
    expect(inboxApi.markRead).toHaveBeenCalledTimes(1) // one burst, one call
    expect(inboxApi.markRead).toHaveBeenCalledWith('visitor:b')
  })
})

describe('the open transcript', () => {
  it('assembles the agent’s reply from its deltas, then takes the stored copy', async () => {
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a' }))
    await inbox.open('visitor:a')
    inbox.onMessage(message({ id: 'q1', contactId: 'visitor:a', text: 'Vocês entregam?' }))
    inbox.onStream(delta('visitor:a', 'r1', 'Sim, ', 0))
    inbox.onStream(delta('visitor:a', 'r1', 'entregamos', 1))
    inbox.onStream(delta('visitor:a', 'r1', 'entregamos', 1)) // a repeat
    inbox.onStream(delta('visitor:b', 'r9', 'another conversation', 0))
    const reply = inbox.transcript!.messages.find((m) => m.id === 'r1')!
    expect(reply).toMatchObject({ status: 'streaming', text: 'Sim, entregamos', author: 'agent' })
    expect(inbox.transcript!.messages.some((m) => m.id === 'r9')).toBe(false)
    inbox.onMessage(message({ id: 'r1', contactId: 'visitor:a', author: 'agent', text: 'Sim, entregamos!', timestamp: 2500 }))
    expect(inbox.transcript!.messages.map((m) => [m.id, m.status, m.text])).toEqual([
      ['q1', 'sent', 'Vocês entregam?'],
      ['r1', 'sent', 'Sim, entregamos!'],
    ])
  })

  it('shows what the agent is doing for the visitor until its reply is stored', async () => {
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a' }))
    await inbox.open('visitor:a')
    const status = { agentKey: 'flora', contactId: 'visitor:a', id: 'r1', replyTo: 'q1', tool: 'check_availability' as const }
    inbox.onToolStatus({ ...status, running: true })
    inbox.onToolStatus({ ...status, contactId: 'visitor:b', id: 'r9', running: true }) // another conversation
    expect(runningTool(inbox.transcript!, 'r1')).toBe('check_availability')
    expect(toolsBeforeText(inbox.transcript!)).toEqual(['r1'])
    inbox.onToolStatus({ ...status, running: false, outcome: 'ok' })
    inbox.onMessage(message({ id: 'r1', contactId: 'visitor:a', author: 'agent', text: 'Amanhã às 10h ou 14h?' }))
    expect(runningTool(inbox.transcript!, 'r1')).toBeNull()
    expect(toolsBeforeText(inbox.transcript!)).toEqual([])
  })

  it('fills a gap (opened mid-reply) from a fresh page’s snapshot', async () => {
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a' }))
    await inbox.open('visitor:a')
    vi.mocked(inboxApi.messages).mockResolvedValueOnce({
      messages: [],
      hasMore: false,
      streaming: [{ id: 'r1', text: 'Olá, ', nextSeq: 2, attempt: 1, replyTo: 'q1' } as never],
    })
    inbox.onStream(delta('visitor:a', 'r1', 'tudo bem?', 2))
    await vi.waitFor(() => expect(inbox.transcript!.messages[0]?.text).toBe('Olá, tudo bem?'))
  })

  it('stops a streaming reply when a person takes the conversation over', async () => {
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a' }))
    await inbox.open('visitor:a')
    inbox.onStream(delta('visitor:a', 'r1', 'Um momento', 0))
    inbox.onConversation(event({ id: 'visitor:a', status: 'human', assignee: { id: ME.id, name: ME.name } }))
    inbox.onStream(delta('visitor:a', 'r1', ', vou verificar', 1))
    expect(inbox.transcript!.messages[0]).toMatchObject({ status: 'sent', incomplete: true, text: 'Um momento' })
    expect(inbox.heldByMe).toBe(true)
  })

  it('sends a teammate’s message once, whether its echo or its answer comes first', async () => {
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a', status: 'human', assignee: { id: ME.id, name: ME.name } }))
    await inbox.open('visitor:a')
    let answer: (value: AgentMessageEvent) => void = () => {}
    vi.spyOn(inboxApi, 'send').mockImplementation(() => new Promise((resolve) => (answer = resolve)))
    const sent = inbox.send('Oi, aqui é a Ana')
    expect(inbox.transcript!.messages[0]).toMatchObject({ author: 'human', authorName: 'Ana', status: 'sending' })
    const stored = message({ id: 'h1', contactId: 'visitor:a', author: 'human', authorName: 'Ana', text: 'Oi, aqui é a Ana', timestamp: 3000 })
    inbox.onMessage(stored) // the echo, without the clientMessageId
    answer(stored)
    expect(await sent).toBeNull()
    expect(inbox.transcript!.messages.map((m) => [m.id, m.author, m.status])).toEqual([['h1', 'human', 'sent']])
  })

  it('says why an action was refused (someone else took it)', async () => {
    const inbox = useInboxStore()
    inbox.adopt(row({ id: 'visitor:a' }))
    await inbox.open('visitor:a')
    const headers = new AxiosHeaders()
    const refusal = new AxiosError('409', 'ERR_BAD_REQUEST', undefined, undefined, {
      status: 409,
      statusText: 'Conflict',
      headers,
      config: { headers },
      data: { detail: 'Bia is answering this conversation.', code: 'conversation_taken' },
    })
    vi.spyOn(inboxApi, 'act').mockRejectedValue(refusal)
    expect(await inbox.act('take')).toBe('Bia is answering this conversation.')
    expect(inbox.busy).toBeNull()
  })
})

describe('inbox rules', () => {
  it('filters by status, bot, team and the search’s hits', () => {
    const r = row({ id: 'visitor:a', status: 'waiting', agentKey: 'flora', workspaceId: 'w1' })
    expect(matchesFilters(r, emptyFilters(), null)).toBe(true)
    expect(matchesFilters(r, { ...emptyFilters(), status: 'human' }, null)).toBe(false)
    expect(matchesFilters(r, { ...emptyFilters(), agentKey: 'other' }, null)).toBe(false)
    expect(matchesFilters(r, { ...emptyFilters(), workspace: 'w2' }, null)).toBe(false)
    expect(matchesFilters(r, { ...emptyFilters(), q: 'rui' }, new Set(['visitor:b']))).toBe(false)
    expect(matchesFilters(r, { ...emptyFilters(), q: 'rui' }, new Set(['visitor:a']))).toBe(true)
  })

  it('drops a pending message whose stored copy came first as another bubble', () => {
    const conv = emptyConversation('flora', 'visitor:a')
    pendingHuman(conv, { clientMessageId: 'c1', text: 'Oi', authorName: 'Ana', timestamp: 1 })
    const stored = message({ id: 'h1', contactId: 'visitor:a', author: 'human', authorName: 'Ana', text: 'Oi' })
    conv.messages.push({ ...conv.messages[0]!, key: 'm:h1', id: 'h1', clientMessageId: undefined, status: 'sent' })
    settleHuman(conv, 'c1', stored)
    expect(conv.messages.map((m) => m.key)).toEqual(['m:h1'])
  })

  it('says how long ago, as the list shows it', () => {
    const now = Date.UTC(2026, 4, 20, 15, 0)
    expect(relativeTime(now - 10_000, now, 'en')).toBe('now')
    expect(relativeTime(now - 5 * 60_000, now, 'en')).toBe('5 min. ago')
    expect(relativeTime(now - 3 * 3600_000, now, 'pt-BR')).toBe('há 3 h')
    expect(relativeTime(now - 30 * 86400_000, now, 'en')).toMatch(/\d/)
  })

  it('has a label for every status in both languages', () => {
    for (const texts of [en, ptBR]) {
      for (const status of STATUSES) {
        expect(texts.inbox.status[status]).toBeTruthy()
        expect(texts.inbox.statusLong[status]).toBeTruthy()
      }
    }
  })

  it('shows what NLU found, without the empty parts', () => {
    expect(
      findingEntries({ intents: ['pricing', 'pricing'], emails: [], phones: null, dates: [{ text: 'amanhã' }], urgent: true }),
    ).toEqual([
      { key: 'intents', values: ['pricing'] },
      { key: 'dates', values: ['amanhã'] },
      { key: 'urgent', values: ['true'] },
    ])
  })

  it('names intents and the language in the reader\'s language, not by their internal keys', () => {
    const { t, te } = createI18n({ legacy: false, locale: 'pt-BR', messages: { 'pt-BR': ptBR, en } }).global
    const findings = { intents: ['schedule_meeting', 'provide_contact', 'pricing'], language: 'pt', emails: ['a@b.co'] }
    expect(findingEntries(findings, findingNamer(t, te))).toEqual([
      { key: 'intents', values: ['Agendar reunião', 'Dados de contato', 'pricing'] },
      { key: 'language', values: ['Português'] },
      { key: 'emails', values: ['a@b.co'] },
    ])
    expect(te('inbox.finding.language')).toBe(true)
  })
})

describe('the visitor page: who answers', () => {
  function fakeSocket(ack: unknown) {
    const handlers: Record<string, (payload: unknown) => void> = {}
    const emitted: string[] = []
    const socket = {
      connected: true,
      on: (name: string, handler: (payload: unknown) => void) => (handlers[name] = handler),
      timeout: () => ({
        emitWithAck: async (name: string) => {
          emitted.push(name)
          return ack
        },
      }),
    }
    return { socket: socket as unknown as VisitorSocket, handlers, emitted }
  }

  it('follows the session and visitor:status, and asks for a person once', async () => {
    const visitor = useVisitorStore()
    visitor.state = 'connected'
    const status = useVisitorStatusStore()
    const { socket, handlers, emitted } = fakeSocket({ ok: true })
    status.attach(socket)
    handlers['visitor:session']!({ status: 'bot', humanName: null } as Partial<VisitorSessionEvent>)
    expect(status.canAskForPerson).toBe(true)
    expect(await status.askForPerson()).toBe(true)
    expect(emitted).toEqual(['visitor:handoff'])
    expect(status.status).toBe('waiting')
    expect(status.canAskForPerson).toBe(false)
    expect(await status.askForPerson()).toBe(false) // not twice
    handlers['visitor:status']!({ status: 'human', humanName: 'Ana' })
    expect([status.status, status.humanName]).toEqual(['human', 'Ana'])
    handlers['visitor:status']!({ status: 'closed', humanName: null })
    expect(status.canAskForPerson).toBe(true)
  })

  it('shows a refused request on the conversation', async () => {
    const visitor = useVisitorStore()
    visitor.state = 'connected'
    const status = useVisitorStatusStore()
    status.attach(fakeSocket({ ok: false, error: { code: 'rate_limited', message: 'Wait a moment.' } }).socket)
    expect(await status.askForPerson()).toBe(false)
    expect(visitor.conv.error).toEqual({ message: 'Wait a moment.', code: 'rate_limited' })
    expect(status.status).toBe('bot')
  })

  it('stops the agent’s reply under way, and its suggestions, when a person is asked for', () => {
    const visitor = useVisitorStore()
    visitor.conv.contactId = 'visitor:a'
    visitor.onStream({ agentKey: 'flora', contactId: 'visitor:a', id: 'r1', delta: 'Um mom', seq: 0, attempt: 1 })
    visitor.conv.suggestions = ['Quero agendar']
    const status = useVisitorStatusStore()
    status.apply({ status: 'waiting', humanName: null })
    expect(visitor.conv.messages[0]).toMatchObject({ status: 'sent', incomplete: true, text: 'Um mom' })
    expect(visitor.conv.suggestions).toEqual([])
  })

  it('counts a person’s reply as unread while the panel is hidden', () => {
    const visitor = useVisitorStore()
    visitor.conv.contactId = 'visitor:a'
    visitor.setVisible(false)
    visitor.onMessage(message({ id: 'h1', contactId: 'visitor:a', author: 'human', authorName: 'Ana' }))
    expect(visitor.unread).toBe(1)
    expect(visitor.conv.messages[0]?.authorName).toBe('Ana')
  })
})
