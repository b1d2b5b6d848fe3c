/**
 * The message bubble as a person uses it: the agent's Markdown rendered and the person's
 * own text as typed; copy, regenerate and edit (Enter saves, Escape cancels, nothing is
 * sent for an empty or unchanged text); a stopped reply says so.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { createApp, h, nextTick, type App } from 'vue'
import { createI18n } from 'vue-i18n'
import { createVuetify } from 'vuetify'
import MessageBubble from '@/components/MessageBubble.vue'
import en from '@/locales/en'
import type { ChatMessage } from '@/types/chat'

function message(over: Partial<ChatMessage>): ChatMessage {
  return {
    key: 'k1',
    id: 'm1',
    agentKey: 'support',
    contactId: 'default',
    author: 'agent',
    text: '',
    timestamp: Date.UTC(2026, 0, 5, 12, 0),
    offline: false,
    incomplete: false,
    status: 'sent',
    attempt: 0,
    ...over,
  }
}

interface Mounted {
  root: HTMLElement
  events: { name: string; args: unknown[] }[]
}

let app: App | null = null

function mount(msg: ChatMessage, props: Record<string, unknown> = {}): Mounted {
  const root = document.createElement('div')
  document.body.appendChild(root)
  const events: Mounted['events'] = []
  const record = (name: string) => (...args: unknown[]) => events.push({ name, args })
  app = createApp({
    render: () =>
      h(MessageBubble, {
        message: msg,
        agentName: 'Suporte',
        agentEmoji: '🛟',
        ...props,
        onRetry: record('retry'),
        onRegenerate: record('regenerate'),
        onEdit: record('edit'),
      }),
  })
  app.use(createVuetify()).use(createI18n({ legacy: false, locale: 'en', messages: { en } }))
  app.mount(root)
  return { root, events }
}

const q = (root: HTMLElement, test: string) => root.querySelector<HTMLElement>(`[data-test="${test}"]`)

function key(target: Element, name: string): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true }))
}

async function typeInto(area: HTMLTextAreaElement, value: string): Promise<void> {
  area.value = value
  area.dispatchEvent(new Event('input', { bubbles: true }))
  await nextTick()
}

beforeEach(() => {
  document.body.innerHTML = ''
})
afterEach(() => {
  app?.unmount()
  app = null
  vi.restoreAllMocks()
})

describe('MessageBubble', () => {
  test('the agent’s reply is Markdown; the person’s own message stays as typed', async () => {
    const agent = mount(message({ text: 'Veja **isto**:\n\n- um\n- dois' }))
    await nextTick()
    const text = q(agent.root, 'message-text')
    expect(text?.querySelector('strong')?.textContent).toBe('isto')
    expect(text?.querySelectorAll('li').length).toBe(2)
    app?.unmount()

    const mine = mount(message({ author: 'user', text: 'quero **x**\n<b>y</b>' }))
    await nextTick()
    const plain = q(mine.root, 'message-text')
    expect(plain?.querySelector('strong, b')).toBeNull()
    expect(plain?.textContent).toBe('quero **x**\n<b>y</b>')
  })

  test('copy puts the message as written on the clipboard and says so', async () => {
    const writeText = vi.fn(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const { root } = mount(message({ text: '## Título\n\n**negrito**' }))
    await nextTick()
    q(root, 'message-copy')?.click()
    await vi.waitFor(() => expect(q(root, 'message-copied')?.textContent).toBe('Copied'))
    expect(writeText).toHaveBeenCalledWith('## Título\n\n**negrito**')
    expect(q(root, 'message-copy')?.getAttribute('aria-label')).toBe('Copied')
  })

  test('regenerate is offered only when allowed, and emits the message', async () => {
    const msg = message({ text: 'Resposta' })
    const without = mount(msg)
    await nextTick()
    expect(q(without.root, 'message-regenerate')).toBeNull()
    expect(q(without.root, 'message-edit')).toBeNull()
    app?.unmount()

    const { root, events } = mount(msg, { canRegenerate: true })
    await nextTick()
    const button = q(root, 'message-regenerate')
    expect(button?.getAttribute('aria-label')).toBe('Regenerate reply')
    button?.click()
    expect(events).toEqual([{ name: 'regenerate', args: [msg] }])
  })

  test('edit: Enter saves a changed text, Escape and an unchanged or empty text send nothing', async () => {
    const msg = message({ author: 'user', text: 'Olá, quero um orçamento' })
    const { root, events } = mount(msg, { canEdit: true })
    await nextTick()
    const open = async () => {
      q(root, 'message-edit')?.click()
      await nextTick()
      const area = q(root, 'edit-input')?.querySelector('textarea')
      if (!area) throw new Error('no editor')
      return area
    }

    let area = await open()
    expect(area.value).toBe('Olá, quero um orçamento')
    await typeInto(area, 'Olá, quero dois orçamentos')
    key(area, 'Escape')
    await nextTick()
    expect(q(root, 'message-editor')).toBeNull()
    expect(q(root, 'message-text')?.textContent).toBe('Olá, quero um orçamento')

    area = await open()
    key(area, 'Enter') // unchanged
    await nextTick()
    area = await open()
    await typeInto(area, '   ')
    expect(q(root, 'edit-save')?.hasAttribute('disabled')).toBe(true)
    key(area, 'Enter') // empty
    await nextTick()
    expect(events).toEqual([])

    area = await open()
    await typeInto(area, 'Olá, quero dois orçamentos ')
    key(area, 'Enter')
    await nextTick()
    expect(events).toEqual([{ name: 'edit', args: [msg, 'Olá, quero dois orçamentos'] }])
    expect(q(root, 'message-editor')).toBeNull()
  })

  test('a reply the person stopped is tagged Stopped, not interrupted', async () => {
    const { root } = mount(message({ text: 'Parte da resp', stopped: true, incomplete: true }))
    await nextTick()
    expect(q(root, 'message-stopped')?.textContent?.trim()).toBe('Stopped')
    expect(root.textContent).not.toContain('Reply interrupted')
  })

  test('retry still emits the message', async () => {
    const msg = message({ author: 'user', text: 'oi', status: 'failed', error: 'timeout' })
    const { root, events } = mount(msg)
    await nextTick()
    q(root, 'retry')?.click()
    expect(events).toEqual([{ name: 'retry', args: [msg] }])
  })
})
