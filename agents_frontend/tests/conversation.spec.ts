/** The rules of one conversation's message list (`utils/conversation.ts`): no server involved. */
import { describe, expect, it } from 'vitest'
import type { OutboxEntry } from '@/types/chat'
import type { AgentMessageEvent } from '@/types/events'
import {
  appendChunk,
  applySnapshot,
  byTime,
  emptyConversation,
  giveUpOnGaps,
  placePending,
  upsertMessage,
} from '@/utils/conversation'

const A = 'sdr'
const C = 'default'

function event(fields: Partial<AgentMessageEvent> & { id: string }): AgentMessageEvent {
  return { agentKey: A, contactId: C, author: 'user', text: 'hi', timestamp: 1000, offline: false, ...fields }
}

function entry(fields: Partial<OutboxEntry> = {}): OutboxEntry {
  return { clientMessageId: 'c1', agentKey: A, contactId: C, text: 'hello', timestamp: 5000, ...fields }
}

describe('upsertMessage', () => {
  it('replaces an optimistic message in place with the server copy, keeping its render key', () => {
    const conv = emptyConversation(A, C)
    const pending = placePending(conv, entry())
    const stored = upsertMessage(conv, event({ id: 'm1', text: 'hello', clientMessageId: 'c1', timestamp: 6000 }))
    expect(stored).toBe(pending)
    expect(conv.messages).toHaveLength(1)
    expect(stored).toMatchObject({ key: 'c:c1', id: 'm1', status: 'sent', timestamp: 6000 })
  })

  it('adds each server message once, whether it comes live or in a history page', () => {
    const conv = emptyConversation(A, C)
    upsertMessage(conv, event({ id: 'm2', timestamp: 2000 }))
    upsertMessage(conv, event({ id: 'm1', timestamp: 1000 }))
    upsertMessage(conv, event({ id: 'm2', timestamp: 2000, text: 'edited' }))
    expect(conv.messages.map((m) => [m.id, m.text])).toEqual([
      ['m1', 'hi'],
      ['m2', 'edited'],
    ])
  })

  it('keeps a reply error on the message it belongs to', () => {
    const conv = emptyConversation(A, C)
    const message = upsertMessage(conv, event({ id: 'm1' }))
    message.replyError = 'model down'
    upsertMessage(conv, event({ id: 'm1' }))
    expect(conv.messages[0]!.replyError).toBe('model down')
  })
})

describe('appendChunk', () => {
  it('grows one streaming bubble, which the final message replaces; a late chunk changes nothing', () => {
    const conv = emptyConversation(A, C)
    appendChunk(conv, delta('r1', 'Olá', 0), false)
    appendChunk(conv, delta('r1', ', tudo bem?', 1), false)
    expect(conv.messages.map((m) => [m.text, m.status])).toEqual([['Olá, tudo bem?', 'streaming']])

    upsertMessage(conv, event({ id: 'r1', author: 'agent', text: 'Olá, tudo bem?' }))
    appendChunk(conv, delta('r1', ' late', 2), false)
    expect(conv.messages.map((m) => [m.key, m.text, m.status])).toEqual([['m:r1', 'Olá, tudo bem?', 'sent']])
  })

  it('drops a repeated delta', () => {
    const conv = emptyConversation(A, C)
    appendChunk(conv, delta('r1', 'Olá', 0), false)
    appendChunk(conv, delta('r1', 'Olá', 0), false)
    appendChunk(conv, delta('r1', '!', 1), false)
    expect(conv.messages[0]!.text).toBe('Olá!')
  })

  it('starts the bubble again when another server process takes the reply over', () => {
    const conv = emptyConversation(A, C)
    appendChunk(conv, delta('r1', 'Meio cami', 0), false)
    // The first process died; what it wrote is kept, marked incomplete...
    upsertMessage(conv, event({ id: 'r1', author: 'agent', text: 'Meio cami', incomplete: true }))
    // ...until the second attempt streams the reply in its place.
    appendChunk(conv, delta('r1', 'Resposta ', 0, 2), false)
    appendChunk(conv, delta('r1', 'inteira', 1, 2), false)
    appendChunk(conv, delta('r1', ' atrasada do primeiro', 1, 1), false)
    expect(conv.messages.map((m) => [m.text, m.status, m.incomplete])).toEqual([
      ['Resposta inteira', 'streaming', false],
    ])
  })
})

function delta(id: string, text: string, seq: number, attempt = 1) {
  return { agentKey: A, contactId: C, id, delta: text, seq, attempt }
}

function snapshot(id: string, text: string, nextSeq: number, attempt = 1) {
  return { id, replyTo: 'q1', text, nextSeq, attempt }
}

describe('a reply joined mid-stream', () => {
  it('shows the text so far at once and continues it, a delta it already holds not repeated', () => {
    const conv = emptyConversation(A, C)
    applySnapshot(conv, snapshot('r1', 'Olá, tudo', 2), false)
    expect(conv.messages.map((m) => [m.text, m.status, m.replyTo])).toEqual([['Olá, tudo', 'streaming', 'q1']])
    expect(appendChunk(conv, delta('r1', ' tudo', 1), false)).toBe(false)
    expect(appendChunk(conv, delta('r1', ' bem?', 2), false)).toBe(false)
    expect(conv.messages[0]!.text).toBe('Olá, tudo bem?')
  })

  it('holds deltas after a gap, asks for a snapshot, and fills the gap in order', () => {
    const conv = emptyConversation(A, C)
    // The socket joined after deltas 0-2 were sent.
    expect(appendChunk(conv, delta('r1', 'D', 3), false)).toBe(true)
    expect(appendChunk(conv, delta('r1', 'E', 4), false)).toBe(true)
    expect(conv.messages[0]!.text).toBe('')
    applySnapshot(conv, snapshot('r1', 'ABCD', 4), false) // read after delta 3 was sent
    expect(conv.messages[0]).toMatchObject({ text: 'ABCDE', nextSeq: 5, heldDeltas: undefined })
    appendChunk(conv, delta('r1', 'F', 5), false)
    expect(conv.messages[0]!.text).toBe('ABCDEF')
  })

  it('ignores a snapshot behind the bubble, and never reopens a stored reply', () => {
    const conv = emptyConversation(A, C)
    for (const [seq, piece] of ['A', 'B', 'C'].entries()) appendChunk(conv, delta('r1', piece, seq), false)
    applySnapshot(conv, snapshot('r1', 'AB', 2), false)
    expect(conv.messages[0]).toMatchObject({ text: 'ABC', nextSeq: 3 })

    upsertMessage(conv, event({ id: 'r1', author: 'agent', text: 'ABCD' }))
    applySnapshot(conv, snapshot('r1', 'ABC', 3), false)
    expect(conv.messages.map((m) => [m.text, m.status])).toEqual([['ABCD', 'sent']])
  })

  it("takes a later attempt's snapshot over the cut text of the attempt that died", () => {
    const conv = emptyConversation(A, C)
    upsertMessage(conv, event({ id: 'r1', author: 'agent', text: 'Meio cami', incomplete: true }))
    applySnapshot(conv, snapshot('r1', 'Resposta', 1, 2), false)
    expect(conv.messages.map((m) => [m.text, m.status, m.incomplete])).toEqual([['Resposta', 'streaming', false]])
    appendChunk(conv, delta('r1', ' velha', 1, 1), false)
    appendChunk(conv, delta('r1', ' nova', 1, 2), false)
    expect(conv.messages[0]!.text).toBe('Resposta nova')
  })

  it('shows the held deltas when no snapshot can fill the gap', () => {
    const conv = emptyConversation(A, C)
    appendChunk(conv, delta('r1', ' fim', 4), false)
    appendChunk(conv, delta('r1', ' da', 3), false)
    giveUpOnGaps(conv)
    expect(conv.messages[0]).toMatchObject({ text: ' da fim', nextSeq: 5, heldDeltas: undefined })
  })
})

describe('ordering', () => {
  it('puts what the server ordered first, by time, and pending or streaming messages after it', () => {
    const conv = emptyConversation(A, C)
    placePending(conv, entry({ clientMessageId: 'late', timestamp: 1 }))
    appendChunk(conv, delta('r9', '…', 0), false)
    upsertMessage(conv, event({ id: 'm2', timestamp: 2000 }))
    upsertMessage(conv, event({ id: 'm1', timestamp: 2000 }))
    conv.messages.sort(byTime)
    expect(conv.messages.map((m) => m.id ?? m.clientMessageId)).toEqual(['m1', 'm2', 'late', 'r9'])
  })

  it('places an outbox entry once, however often it is restored', () => {
    const conv = emptyConversation(A, C)
    placePending(conv, entry())
    placePending(conv, entry())
    expect(conv.messages.map((m) => [m.key, m.status])).toEqual([['c:c1', 'queued']])
  })
})
