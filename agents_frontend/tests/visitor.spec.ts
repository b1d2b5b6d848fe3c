/**
 * The visitor page's logic with no server: its address, the session, unread replies, the
 * refusals it tells apart, gaps in a stream, and the postMessage bridge to the widget.
 * (visitor.server.spec.ts drives the same store against the real backend.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { AgentMessageEvent, StreamEvent, VisitorSessionEvent } from '@/types/wire'
import { connectToWidget, SOURCE } from '@/visitor/embed'
import { asHexColor, asOrigin, pickLanguage, readParams } from '@/visitor/params'
import { tokenKey, useVisitorStore, VISITOR_TIMING } from '@/visitor/store'

const CONV = 'conv-1'

function message(fields: Partial<AgentMessageEvent> & { id: string }): AgentMessageEvent {
  return { agentKey: 'bot-1', contactId: CONV, author: 'agent', text: 'Olá!', timestamp: 1000, offline: false, ...fields }
}

function session(fields: Partial<VisitorSessionEvent> = {}): VisitorSessionEvent {
  return {
    visitorToken: 'token-1',
    conversationId: CONV,
    agent: { name: 'Ana', emoji: '🌻', greeting: 'Oi! Como posso ajudar?', bookingEnabled: true },
    messages: [],
    hasMore: false,
    streaming: [],
    status: 'bot',
    humanName: null,
    ...fields,
  }
}

function delta(id: string, text: string, seq: number): StreamEvent {
  return { agentKey: 'bot-1', contactId: CONV, id, delta: text, seq, attempt: 1 }
}

function refusal(code: string, text: string, retryAfter?: number): Error & { data: { code: string; retryAfter?: number } } {
  return Object.assign(new Error(text), { data: { code, ...(retryAfter ? { retryAfter } : {}) } })
}

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('the page address', () => {
  it('reads the slug, the widget mode and the embedding site', () => {
    const embedded = readParams(
      { pathname: '/c/acme-sales', search: '?embed=1&host=https%3A%2F%2Fshop.example.com&lang=en&color=%23ff0000' },
      ['pt-BR'],
    )
    expect(embedded).toEqual({ slug: 'acme-sales', embedded: true, host: 'https://shop.example.com', language: 'en', color: '#ff0000' })
    const shared = readParams({ pathname: '/c/abcdefghijklmnop/', search: '' }, ['pt-PT', 'en'])
    expect(shared).toMatchObject({ slug: 'abcdefghijklmnop', embedded: false, host: null, language: 'pt-BR', color: null })
    expect(readParams({ pathname: '/c/', search: '' }, []).slug).toBe('')
  })

  it('takes only a real origin as the place to post to, never a wildcard or a path', () => {
    expect(asOrigin('http://localhost:8080')).toBe('http://localhost:8080')
    for (const bad of ['*', 'null', 'https://shop.example.com/page', 'javascript:alert(1)', '', null]) expect(asOrigin(bad)).toBeNull()
  })

  it('picks the language from the page, else the browser (pt* is pt-BR), else English', () => {
    expect(pickLanguage('pt-BR', ['en'])).toBe('pt-BR')
    expect(pickLanguage('fr', ['pt'])).toBe('pt-BR')
    expect(pickLanguage(null, ['de', 'en'])).toBe('en')
  })

  it('keeps a colour only when it is one', () => {
    expect(asHexColor('#12AB34')).toBe('#12ab34')
    expect(asHexColor('#abc')).toBe('#aabbcc')
    expect(asHexColor('red;} body{display:none')).toBeNull()
    expect(asHexColor(null)).toBeNull()
  })
})

describe('the session', () => {
  it('keeps the token per bot, shows the greeting first, and the history and streaming replies', () => {
    const store = useVisitorStore()
    store.slug = 'acme'
    store.onSession(session())
    expect(localStorage.getItem(tokenKey('acme'))).toBe('token-1')
    expect(store.state).toBe('connected')
    expect(store.greeting?.text).toBe('Oi! Como posso ajudar?')
    expect(store.active).toBe(false) // a greeting is not a conversation yet

    store.onSession(
      session({
        visitorToken: 'token-2',
        messages: [message({ id: 'm1', author: 'user', text: 'Quero um orçamento' })],
        streaming: [{ id: 'r1', replyTo: 'm1', attempt: 1, text: 'Claro, ', nextSeq: 2 }],
      }),
    )
    expect(localStorage.getItem(tokenKey('acme'))).toBe('token-2') // a new one on every connection
    expect(store.greeting?.text).toBe('Oi! Como posso ajudar?') // still the first bubble
    expect(store.conv.messages.map((m) => [m.id, m.text, m.status])).toEqual([
      ['m1', 'Quero um orçamento', 'sent'],
      ['r1', 'Claro, ', 'streaming'],
    ])
    store.onStream(delta('r1', 'posso ajudar.', 2))
    expect(store.conv.messages[1]!.text).toBe('Claro, posso ajudar.')
    expect(store.active).toBe(true)
  })

  it('where the frame may not keep storage (third-party), the embedding page keeps the token', () => {
    const kept = Object.getOwnPropertyDescriptor(globalThis, 'localStorage')!
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('Access is denied for this document.', 'SecurityError')
      },
    })
    try {
      const store = useVisitorStore()
      store.slug = 'acme'
      store.onSession(session())
      expect(store.tokenForHost).toBe('token-1')
      store.onConnectError(refusal('visitor_token_invalid', 'expired'), false)
      expect(store.tokenForHost).toBeNull() // the widget forgets it too
    } finally {
      Object.defineProperty(globalThis, 'localStorage', kept)
    }
    const normal = useVisitorStore(createPinia())
    normal.onSession(session())
    expect(normal.tokenForHost).toBeNull() // a frame with storage keeps its own
  })

  it('shows no greeting when the conversation goes back further, or stored it already', () => {
    const store = useVisitorStore()
    store.onSession(session({ hasMore: true, messages: [message({ id: 'm9' })] }))
    expect(store.greeting).toBeNull()
    const again = useVisitorStore(createPinia())
    again.onSession(session({ messages: [message({ id: 'g1', text: 'Oi! Como posso ajudar?' })] }))
    expect(again.greeting).toBeNull()
  })

  it('ignores events of another conversation', () => {
    const store = useVisitorStore()
    store.onSession(session())
    store.onMessage(message({ id: 'x1', contactId: 'someone-else' }))
    store.onTyping({ agentKey: 'bot-1', contactId: 'someone-else', typing: true })
    expect(store.conv.messages).toHaveLength(0)
    expect(store.conv.typing).toBe(false)
  })

  it('a new conversation (the old token refused) keeps only what was never sent', () => {
    const store = useVisitorStore()
    store.onSession(session({ messages: [message({ id: 'm1' })] }))
    store.send('ainda não enviado') // no socket: it waits
    store.onSession(session({ conversationId: 'conv-2', visitorToken: 'fresh' }))
    expect(store.conv.contactId).toBe('conv-2')
    expect(store.conv.messages.map((m) => [m.text, m.status, m.contactId])).toEqual([['ainda não enviado', 'queued', 'conv-2']])
  })
})

describe('unread replies', () => {
  it('counts agent messages that arrive while the panel is hidden, not the history', () => {
    const store = useVisitorStore()
    store.setVisible(false)
    store.onSession(session({ messages: [message({ id: 'old' })] }))
    expect(store.unread).toBe(0)
    store.onStream(delta('r1', 'Oi', 0))
    store.onMessage(message({ id: 'r1', text: 'Oi' }))
    store.onMessage(message({ id: 'r1', text: 'Oi' })) // the same message again
    store.onMessage(message({ id: 'u1', author: 'user', text: 'eu' }))
    expect(store.unread).toBe(1)
    // Replies that came while the connection was down count too.
    store.onSession(session({ messages: [message({ id: 'old' }), message({ id: 'r1' }), message({ id: 'r2', timestamp: 2000 })] }))
    expect(store.unread).toBe(2)
    store.setVisible(true)
    expect(store.unread).toBe(0)
    store.onMessage(message({ id: 'r3', timestamp: 3000 }))
    expect(store.unread).toBe(0)
  })
})

describe('refusals and the end of a conversation', () => {
  it('drops a refused token and starts again without it (once)', () => {
    const store = useVisitorStore()
    store.slug = 'acme'
    localStorage.setItem(tokenKey('acme'), 'stale')
    store.onConnectError(refusal('visitor_token_invalid', 'Your conversation expired'), false)
    expect(localStorage.getItem(tokenKey('acme'))).toBeNull()
    expect(store.state).not.toBe('refused')
    store.onConnectError(refusal('visitor_token_invalid', 'Again'), false)
    expect(store.state).toBe('refused')
  })

  it('an agent that is not available is final; too many visitors is waited out', () => {
    vi.useFakeTimers()
    const store = useVisitorStore()
    store.onConnectError(refusal('too_many_visitors', 'Muitos visitantes agora.', 7), false)
    expect(store.state).toBe('waiting')
    expect(store.notice).toMatchObject({ code: 'too_many_visitors', message: 'Muitos visitantes agora.', retryAfter: 7 })
    store.onConnectError(refusal('agent_offline', 'Este assistente não está disponível.'), false)
    expect(store.state).toBe('refused')
    expect(store.notice?.message).toBe('Este assistente não está disponível.')
    store.onConnectError(new Error('xhr poll error'), true) // nothing changes a final refusal
    expect(store.state).toBe('refused')
  })

  it('the network failing while the client retries is a reconnection, not a refusal', () => {
    const store = useVisitorStore()
    store.onSession(session())
    store.onDisconnected('transport close')
    expect(store.state).toBe('reconnecting')
    store.onConnectError(new Error('websocket error'), true)
    expect(store.state).toBe('reconnecting')
  })

  it('an owner taking the agent offline ends the conversation, with the server’s words', () => {
    const store = useVisitorStore()
    store.onSession(session({ messages: [message({ id: 'm1' })] }))
    expect(store.active).toBe(true)
    store.onClosed({ reason: 'unpublished', message: 'This assistant is no longer available.' })
    expect(store.state).toBe('closed')
    expect(store.notice).toEqual({ code: 'unpublished', message: 'This assistant is no longer available.' })
    expect(store.active).toBe(false) // the widget forgets it: the next page opens nothing
    expect(store.send('hello?')).toBeNull()
    store.onDisconnected('io server disconnect')
    expect(store.state).toBe('closed')
  })
})

describe('a stream with a gap', () => {
  it('holds the deltas after a gap for the next snapshot, then shows them as they are', () => {
    vi.useFakeTimers()
    const store = useVisitorStore()
    store.onSession(session())
    store.onStream(delta('r1', 'Olá', 0))
    store.onStream(delta('r1', ' mundo', 2)) // seq 1 never came
    expect(store.conv.messages[0]!.text).toBe('Olá')
    vi.advanceTimersByTime(VISITOR_TIMING.gapWaitMs)
    expect(store.conv.messages[0]!.text).toBe('Olá mundo')

    store.onStream(delta('r2', 'Um', 0))
    store.onStream(delta('r2', ' três', 2))
    store.onSession(session({ streaming: [{ id: 'r2', replyTo: 'u', attempt: 1, text: 'Um dois', nextSeq: 2 }] }))
    expect(store.conv.messages.find((m) => m.id === 'r2')!.text).toBe('Um dois três') // the snapshot filled it
  })
})

describe('the bridge to the widget', () => {
  const HOST = 'https://shop.example.com'

  function parentWindow() {
    return { postMessage: vi.fn() } as unknown as Window & { postMessage: ReturnType<typeof vi.fn> }
  }

  it('tells the embedding page only (never *): ready, unread and whether a conversation is on', async () => {
    const store = useVisitorStore()
    store.setVisible(false)
    const parent = parentWindow()
    const bridge = connectToWidget(store, HOST, () => {}, parent)
    expect(parent.postMessage.mock.calls).toEqual([
      [{ source: SOURCE, type: 'ready' }, HOST],
      [{ source: SOURCE, type: 'unread', count: 0 }, HOST],
      [{ source: SOURCE, type: 'active', active: false }, HOST],
    ])
    store.onSession(session())
    store.onMessage(message({ id: 'r1' }))
    await nextTick()
    expect(parent.postMessage).toHaveBeenCalledWith({ source: SOURCE, type: 'unread', count: 1 }, HOST)
    expect(parent.postMessage).toHaveBeenCalledWith({ source: SOURCE, type: 'active', active: true }, HOST)
    for (const [, target] of parent.postMessage.mock.calls) expect(target).toBe(HOST)
    bridge.stop()
  })

  it('takes "visible" only from the parent window at the embedding origin', () => {
    const store = useVisitorStore()
    store.setVisible(false)
    const parent = parentWindow()
    const seen: boolean[] = []
    const bridge = connectToWidget(store, HOST, (v) => seen.push(v), parent)
    const data = { source: SOURCE, type: 'visible', visible: true }
    window.dispatchEvent(new MessageEvent('message', { data, origin: 'https://evil.example', source: parent }))
    window.dispatchEvent(new MessageEvent('message', { data, origin: HOST, source: window }))
    expect(store.visible).toBe(false)
    window.dispatchEvent(new MessageEvent('message', { data, origin: HOST, source: parent }))
    expect(store.visible).toBe(true)
    expect(seen).toEqual([true])
    bridge.stop()
  })
})
