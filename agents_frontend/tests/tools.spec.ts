/**
 * Agent tools in the SPA (issue 17): the status line's state ("Checking availability…"
 * while a call runs, gone when it returns or the reply arrives), in the signed-in chat and
 * the visitor's page; what a stored reply's tools did, worded per language; the bot
 * form's Tools section, sent to the real backend and read back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp, h, nextTick, type App, type Component } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createVuetify } from 'vuetify'
import CustomBotCreator from '@/components/CustomBotCreator.vue'
import MessageBubble from '@/components/MessageBubble.vue'
import ToolCallsLine from '@/components/chat/ToolCallsLine.vue'
import ToolStatusLine from '@/components/chat/ToolStatusLine.vue'
import en from '@/locales/en'
import ptBR from '@/locales/pt-BR'
import { customBotsApi } from '@/services/api'
import { useConversationsStore } from '@/stores/conversations'
import type { CustomBotInput } from '@/types/api'
import type { ChatMessage } from '@/types/chat'
import type { AgentMessageEvent, ToolCallRecord, ToolStatusEvent } from '@/types/events'
import { runningTool } from '@/utils/conversation'
import { useVisitorStore } from '@/visitor/store'
import { signUp, startApp, stopApps } from './support/app'

const A = 'sdr'
const C = 'default'

function status(fields: Partial<ToolStatusEvent> = {}): ToolStatusEvent {
  return { agentKey: A, contactId: C, id: 'r1', replyTo: 'q1', tool: 'check_availability', running: true, ...fields }
}

function stored(fields: Partial<AgentMessageEvent> = {}): AgentMessageEvent {
  return { agentKey: A, contactId: C, id: 'r1', replyTo: 'q1', author: 'agent', text: 'Tenho 10h ou 14h30.', timestamp: 2, offline: false, ...fields }
}

describe('the status line in the conversations store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('names the tool while the call runs and goes when it returns', () => {
    const store = useConversationsStore()
    const conv = store.conversation(A, C)
    store.onToolStatus(status())
    expect(runningTool(conv, 'r1')).toBe('check_availability')
    store.onToolStatus(status({ running: false, outcome: 'ok' }))
    expect(runningTool(conv, 'r1')).toBeNull()
    expect(conv.toolActivity).toEqual({})
  })

  it('names the latest of two calls, then the one still running', () => {
    const store = useConversationsStore()
    const conv = store.conversation(A, C)
    store.onToolStatus(status())
    store.onToolStatus(status({ tool: 'book_meeting' }))
    expect(runningTool(conv, 'r1')).toBe('book_meeting')
    store.onToolStatus(status({ tool: 'book_meeting', running: false, outcome: 'refused' }))
    expect(runningTool(conv, 'r1')).toBe('check_availability')
  })

  it('goes when the reply arrives, and a late "running" for a stored reply is ignored', () => {
    const store = useConversationsStore()
    const conv = store.conversation(A, C)
    store.onToolStatus(status({ tool: 'book_meeting' }))
    store.onMessage(stored({ toolCalls: [{ name: 'book_meeting', outcome: 'ok' }] }))
    expect(runningTool(conv, 'r1')).toBeNull()
    expect(conv.messages[0]!.toolCalls).toEqual([{ name: 'book_meeting', outcome: 'ok' }])
    store.onToolStatus(status({ tool: 'book_meeting' }))
    expect(conv.toolActivity).toEqual({})
  })

  it('stays while the reply streams, and goes when the reply fails or the connection drops', () => {
    const store = useConversationsStore()
    const conv = store.conversation(A, C)
    store.onMessage({ agentKey: A, contactId: C, id: 'q1', author: 'user', text: 'amanhã?', timestamp: 1, offline: false })
    store.onStream({ agentKey: A, contactId: C, id: 'r1', replyTo: 'q1', delta: 'Vou ver… ', seq: 0, attempt: 1 })
    store.onToolStatus(status())
    expect(runningTool(conv, 'r1')).toBe('check_availability')
    store.onError({ agentKey: A, contactId: C, error: 'model down', code: 'llm_unavailable', messageId: 'q1' })
    expect(conv.toolActivity).toEqual({})

    store.onToolStatus(status({ id: 'r2', tool: 'create_task' }))
    store.onDisconnected()
    expect(conv.toolActivity).toEqual({})
  })

  it('keeps each conversation to itself', () => {
    const store = useConversationsStore()
    store.onToolStatus(status({ contactId: 'other' }))
    expect(store.conversation(A, C).toolActivity).toEqual({})
    expect(runningTool(store.conversation(A, 'other'), 'r1')).toBe('check_availability')
  })
})

describe('the status line on the visitor page', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('shows its own conversation’s tool until the reply arrives', () => {
    const store = useVisitorStore()
    store.onSession({
      visitorToken: 't',
      conversationId: 'visitor:abc',
      agent: { name: 'Ana', emoji: '🌻', greeting: null, bookingEnabled: true },
      messages: [],
      hasMore: false,
      streaming: [],
      status: 'bot',
      humanName: null,
    })
    store.onToolStatus(status({ contactId: 'visitor:someone-else' }))
    expect(store.conv.toolActivity).toEqual({})
    store.onToolStatus(status({ contactId: 'visitor:abc', tool: 'book_meeting' }))
    expect(runningTool(store.conv, 'r1')).toBe('book_meeting')
    store.onMessage(stored({ contactId: 'visitor:abc' }))
    expect(store.conv.toolActivity).toEqual({})
  })
})

let app: App | null = null

function mount(component: Component, props: Record<string, unknown>, locale: 'en' | 'pt-BR' = 'en'): HTMLElement {
  const root = document.createElement('div')
  document.body.appendChild(root)
  app = createApp({ render: () => h(component, props) })
  app.use(createVuetify()).use(createI18n({ legacy: false, locale, fallbackLocale: 'en', messages: { en, 'pt-BR': ptBR } }))
  app.mount(root)
  return root
}

function texts(root: ParentNode, test: string): string[] {
  return [...root.querySelectorAll<HTMLElement>(`[data-test="${test}"]`)].map((el) => el.textContent!.trim())
}

const CALLS: ToolCallRecord[] = [
  { name: 'check_availability', outcome: 'ok' },
  { name: 'check_availability', outcome: 'ok' },
  { name: 'book_meeting', outcome: 'refused', code: 'email_not_given' },
  { name: 'book_meeting', outcome: 'ok' },
  { name: 'create_task', outcome: 'failed', code: 'timeout' },
  { name: 'create_task', outcome: 'refused', code: 'tool_limit' },
  { name: 'open_slot_picker', outcome: 'refused', code: 'something_new' },
]

describe('what a stored reply’s tools did', () => {
  beforeEach(() => {
    document.body.innerHTML = ''
  })
  afterEach(() => {
    app?.unmount()
    app = null
  })

  it('reads in English, each said once, refusals and failures marked', () => {
    const root = mount(ToolCallsLine, { calls: CALLS })
    expect(texts(root, 'tool-call')).toEqual([
      'Checked availability',
      'Not booked: e-mail not given in the chat',
      'Booked a meeting',
      'Task not created: took too long',
      'Stopped: too many steps',
      'Calendar not opened',
    ])
    const problems = [...root.querySelectorAll<HTMLElement>('[data-test="tool-call"]')].map((el) => el.dataset.problem)
    expect(problems).toEqual(['false', 'true', 'false', 'true', 'true', 'true'])
    expect(root.querySelector('[data-test="tool-calls"]')!.getAttribute('aria-label')).toBe('What the agent did')
  })

  it('reads in Portuguese', () => {
    const root = mount(ToolCallsLine, { calls: CALLS }, 'pt-BR')
    expect(texts(root, 'tool-call')).toEqual([
      'Disponibilidade verificada',
      'Não agendado: e-mail não informado na conversa',
      'Reunião agendada',
      'Tarefa não criada: demorou demais',
      'Interrompido: etapas demais',
      'Agenda não aberta',
    ])
  })

  it('says nothing for a reply without tools, and waits for a streaming reply to end', async () => {
    expect(mount(ToolCallsLine, { calls: [] }).querySelector('[data-test="tool-calls"]')).toBeNull()
    app!.unmount()
    const plain: ChatMessage = { key: 'k', id: 'r1', agentKey: A, contactId: C, author: 'agent', text: 'Olá!', timestamp: 1, offline: false, incomplete: false, status: 'sent', attempt: 0 }
    expect(mount(MessageBubble, { message: plain, agentName: 'SDR', agentEmoji: '📅' }).querySelector('[data-test="tool-calls"]')).toBeNull()
    app!.unmount()
    const used = { ...plain, toolCalls: [{ name: 'book_meeting', outcome: 'ok' }] } satisfies ChatMessage
    const root = mount(MessageBubble, { message: { ...used, status: 'streaming' }, agentName: 'SDR', agentEmoji: '📅' })
    expect(root.querySelector('[data-test="tool-calls"]')).toBeNull()
    app!.unmount()
    const done = mount(MessageBubble, { message: used, agentName: 'SDR', agentEmoji: '📅' }, 'pt-BR')
    await nextTick()
    expect(texts(done, 'tool-call')).toEqual(['Reunião agendada'])
  })

  it('the status line is polite to screen readers, in both languages', () => {
    const root = mount(ToolStatusLine, { tool: 'check_availability' }, 'pt-BR')
    const line = root.querySelector<HTMLElement>('[data-test="tool-status"]')!
    expect(line.textContent!.trim()).toBe('Verificando disponibilidade…')
    expect(line.getAttribute('role')).toBe('status')
    expect(line.getAttribute('aria-live')).toBe('polite')
    app!.unmount()
    const english = mount(ToolStatusLine, { tool: 'book_meeting' })
    expect(english.querySelector('[data-test="tool-status"]')!.textContent!.trim()).toBe('Booking the meeting…')
  })
})

describe('the bot form’s tools, against the real backend', () => {
  // happy-dom has no visualViewport, which Vuetify's dialogs read (a browser has one).
  if (!('visualViewport' in globalThis)) {
    const viewport = Object.assign(new EventTarget(), { width: 1280, height: 800, scale: 1, offsetLeft: 0, offsetTop: 0 })
    Object.assign(globalThis, { visualViewport: viewport })
  }
  afterEach(() => {
    app?.unmount()
    app = null
    stopApps()
    document.body.innerHTML = ''
  })

  /** The form as the bots page opens it; resolves to what it asks to save. */
  async function openForm(props: Record<string, unknown>) {
    const saved: CustomBotInput[] = []
    mount(CustomBotCreator, { ...props, onSave: (input: CustomBotInput) => saved.push(input) })
    await settle()
    const box = (test: string) => document.querySelector<HTMLInputElement>(`[data-test="${test}"] input`)!
    return { saved, box }
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 5; i += 1) await nextTick()
    await new Promise((r) => setTimeout(r, 20))
  }

  async function save(): Promise<void> {
    document.querySelector<HTMLButtonElement>('[data-test="bot-save"]')!.click()
    await settle()
  }

  it('starts from the template’s tools, sends the ones chosen, and shows a saved bot’s', async () => {
    const test = startApp()
    await signUp(test)
    const template = (await customBotsApi.templates()).find((tpl) => tpl.tools.includes('scheduling') && tpl.tools.includes('tasks'))!
    expect(template.schedulingEnabled).toBe(true)

    const form = await openForm({ template })
    expect(form.box('bot-tool-scheduling').checked).toBe(true)
    expect(form.box('bot-tool-tasks').checked).toBe(true)
    form.box('bot-tool-tasks').click()
    await settle()
    await save()
    expect(form.saved.map((input) => input.tools)).toEqual([['scheduling']])

    const bot = await customBotsApi.create(form.saved[0]!)
    expect(bot.tools).toEqual(['scheduling'])
    app!.unmount()
    document.body.innerHTML = ''

    // The saved bot, edited: booking off disables the scheduling tools and says why;
    // tasks on. What is sent: tasks only, and the server keeps it.
    const edit = await openForm({ bot })
    expect(edit.box('bot-tool-scheduling').checked).toBe(true)
    expect(edit.box('bot-tool-tasks').checked).toBe(false)
    edit.box('bot-scheduling').click()
    await settle()
    expect(edit.box('bot-tool-scheduling').disabled).toBe(true)
    expect(edit.box('bot-tool-scheduling').checked).toBe(false)
    const why = document.querySelector<HTMLElement>('[data-test="bot-tool-scheduling-why"]')!
    expect(why.textContent!.trim()).toBe('Turn on “Can book meetings” first.')
    expect(edit.box('bot-tool-scheduling').getAttribute('aria-describedby')?.split(' ')).toContain(why.id)
    edit.box('bot-tool-tasks').click()
    await settle()
    await save()
    expect(edit.saved.map((input) => [input.schedulingEnabled, input.tools])).toEqual([[false, ['tasks']]])
    const updated = await customBotsApi.update(bot.key, edit.saved[0]!)
    expect(updated.tools).toEqual(['tasks'])
    expect((await customBotsApi.list()).find((b) => b.key === bot.key)!.tools).toEqual(['tasks'])
  })
})
