/** One reply at a time, seen in the list: each reply sits after its question, a message
 * sent while a reply streams waits visibly, and superseded messages leave. */
import { describe, expect, it } from 'vitest'
import type { AgentMessageEvent, StreamEvent } from '@/types/events'
import { appendChunk, dropMessages, emptyConversation, streamingReply, upsertMessage } from '@/utils/conversation'

const A = 'support'
const C = 'default'

function message(fields: Partial<AgentMessageEvent> & { id: string }): AgentMessageEvent {
  return { agentKey: A, contactId: C, author: 'user', text: 'hi', timestamp: 1000, offline: false, ...fields }
}

function delta(fields: Partial<StreamEvent> & { id: string }): StreamEvent {
  return { agentKey: A, contactId: C, delta: 'x', seq: 0, attempt: 1, ...fields }
}

describe('one reply at a time', () => {
  it('streams the first reply above the message sent meanwhile, which waits until its reply starts', () => {
    const conv = emptyConversation(A, C)
    upsertMessage(conv, message({ id: 'q1', text: 'first', timestamp: 1000 }))
    appendChunk(conv, delta({ id: 'r1', replyTo: 'q1', delta: 'Ans' }), false)
    upsertMessage(conv, message({ id: 'q2', text: 'second', timestamp: 2000 }))

    expect(conv.messages.map((m) => m.id)).toEqual(['q1', 'r1', 'q2'])
    expect(streamingReply(conv)?.id).toBe('r1')
    expect(conv.messages.find((m) => m.id === 'q2')?.waiting).toBe(true)
    expect(conv.messages.find((m) => m.id === 'q1')?.waiting).toBeFalsy()

    // The first reply is stored (after the second question, by time): it stays above it.
    upsertMessage(conv, message({ id: 'r1', author: 'agent', text: 'Answer', replyTo: 'q1', timestamp: 3000 }))
    expect(conv.messages.map((m) => m.id)).toEqual(['q1', 'r1', 'q2'])
    expect(conv.messages.find((m) => m.id === 'q2')?.waiting).toBeFalsy()

    appendChunk(conv, delta({ id: 'r2', replyTo: 'q2' }), false)
    expect(conv.messages.map((m) => m.id)).toEqual(['q1', 'r1', 'q2', 'r2'])
    expect(conv.messages.find((m) => m.id === 'q2')?.waiting).toBeFalsy()
  })

  it('keeps a stopped reply as it was left', () => {
    const conv = emptyConversation(A, C)
    upsertMessage(conv, message({ id: 'q1' }))
    appendChunk(conv, delta({ id: 'r1', replyTo: 'q1', delta: 'Half an ans' }), false)
    upsertMessage(conv, message({ id: 'r1', author: 'agent', text: 'Half an ans', replyTo: 'q1', stopped: true, timestamp: 1500 }))
    expect(conv.messages[1]).toMatchObject({ id: 'r1', status: 'sent', stopped: true, text: 'Half an ans' })
    expect(streamingReply(conv)).toBeUndefined()
  })
})

describe('superseded messages', () => {
  it('drops the ids given and any reply still streaming for them', () => {
    const conv = emptyConversation(A, C)
    upsertMessage(conv, message({ id: 'q1', timestamp: 1000 }))
    upsertMessage(conv, message({ id: 'r1', author: 'agent', replyTo: 'q1', timestamp: 1100 }))
    upsertMessage(conv, message({ id: 'q2', timestamp: 2000 }))
    appendChunk(conv, delta({ id: 'r2', replyTo: 'q2' }), false)

    dropMessages(conv, ['q2'])

    expect(conv.messages.map((m) => m.id)).toEqual(['q1', 'r1'])
  })
})
