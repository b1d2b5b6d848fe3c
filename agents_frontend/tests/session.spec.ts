/**
 * The socket plugin's life cycle against the real backend: signing in connects, signing
 * out forgets, a session the server ends is renewed or sent back to sign-in, and the
 * outbox keeps a message per account, across a reload, until the server acknowledged it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { outboxKey, readOutbox } from '@/stores/outbox'
import {
  api,
  goOffline,
  goOnline,
  newAccount,
  onceEach,
  rawSocket,
  signIn,
  signUp,
  startApp,
  stopApps,
  storedExchange,
  until,
  type TestApp,
} from './support/app'

const A = 'support'
const C = 'default'

function userTexts(app: TestApp, agentKey = A, contactId = C): string[] {
  return app.conversations.conversation(agentKey, contactId).messages.filter((m) => m.author === 'user').map((m) => m.text)
}

/** Sends and waits until the server stored it and the agent's reply is complete. */
async function chat(app: TestApp, text: string, agentKey = A, contactId = C): Promise<void> {
  const message = app.outbox.send(agentKey, contactId, text)!
  const conv = app.conversations.conversation(agentKey, contactId)
  await until(
    () => message.id && conv.messages.some((m) => m.replyTo === message.id && m.status === 'sent'),
    `the reply to "${text}"`,
  )
}

beforeEach(() => {
  localStorage.clear()
})

afterEach(() => {
  stopApps()
})

describe('signing in and out', () => {
  it('connects on sign-in, forgets the account on sign-out, and connects again on the next sign-in', async () => {
    const app = startApp()
    expect(app.connection.state).toBe('idle')
    const account = await signUp(app)
    await chat(app, 'first visit')

    await app.auth.logout()
    await until(() => app.connection.state === 'idle', 'the socket to close')
    expect(app.socket.active).toBe(false)
    expect(app.conversations.conversations).toEqual({})
    expect(app.outbox.userId).toBeNull()

    await signIn(app, account) // the same app, no reload
    await app.conversations.open(A, C)
    await chat(app, 'second visit')
    expect(userTexts(app)).toEqual(['first visit', 'second visit'])
    expect(await storedExchange(app.auth.accessToken!, A)).toEqual(onceEach(['first visit', 'second visit']))
  })

  it('a handshake refused for its token refreshes the session and connects', async () => {
    const app = startApp()
    await signUp(app)
    await goOffline(app)
    app.auth.accessToken = `${app.auth.accessToken}x` // the server will not accept it
    const refused = app.auth.accessToken
    await goOnline(app)
    expect(app.auth.accessToken).not.toBe(refused)
    await chat(app, 'after the refusal')
  })
})

describe('a session the server ends', () => {
  it('signed out elsewhere: the refresh is refused and the person goes back to sign-in', async () => {
    const app = startApp()
    await signUp(app)
    const ended: string[] = []
    app.socket.on('agent:session-ended', (event) => ended.push(event.reason))
    await api.post('/auth/logout', { refresh_token: app.auth.refreshToken })
    await until(() => !app.auth.isAuthenticated, 'the session to end')
    expect(ended).toEqual(['signed_out'])
    expect(app.auth.sessionExpired).toBe(true)
    await until(() => app.connection.state === 'idle', 'the socket to stay closed')
    expect(app.socket.active).toBe(false)
  })
})

describe('the outbox', () => {
  it('keeps a message typed offline per account across a reload, and sends it once', async () => {
    const first = startApp()
    await signUp(first)
    const userId = first.auth.user!.id
    await goOffline(first)
    const message = first.outbox.send(A, C, 'typed offline')!
    expect(message.status).toBe('queued')
    expect(readOutbox(userId).map((e) => e.text)).toEqual(['typed offline'])
    first.stop()

    const reloaded = startApp()
    expect(userTexts(reloaded)).toEqual(['typed offline']) // shown before the connection
    await until(() => reloaded.outbox.entries.length === 0, 'the outbox to empty')
    await until(() => reloaded.conversations.conversation(A, C).messages.some((m) => m.author === 'agent' && m.status === 'sent'), 'the reply')
    expect(reloaded.sends.map((s) => s.clientMessageId)).toEqual([message.clientMessageId])
    expect(localStorage.getItem(outboxKey(userId))).toBeNull()
    expect(await storedExchange(reloaded.auth.accessToken!, A)).toEqual(onceEach(['typed offline']))
  })

  it('an entry the server already has is acknowledged as a duplicate, not answered twice', async () => {
    const app = startApp()
    await signUp(app)
    const token = app.auth.accessToken!
    const userId = app.auth.user!.id
    app.stop()
    // Sent from this browser, stored by the server, but the page went away before the ack.
    const entry = { clientMessageId: 'cmid-already-stored', agentKey: A, contactId: C, text: 'sent before the reload', timestamp: Date.now() }
    localStorage.setItem(outboxKey(userId), JSON.stringify([entry]))
    const other = await rawSocket(token)
    const first = await other.timeout(5000).emitWithAck('agent:send', { agentKey: A, contactId: C, message: entry.text, clientMessageId: entry.clientMessageId })
    other.disconnect()
    expect(first.ok).toBe(true)

    const reloaded = startApp()
    await until(() => reloaded.outbox.entries.length === 0, 'the outbox to empty')
    expect(reloaded.sends.map((s) => s.clientMessageId)).toEqual([entry.clientMessageId])
    const shown = reloaded.conversations.conversation(A, C).messages.find((m) => m.clientMessageId === entry.clientMessageId)
    expect(shown?.status).toBe('sent')
    await reloaded.conversations.open(A, C)
    expect(userTexts(reloaded)).toEqual([entry.text])
    expect(await storedExchange(token, A)).toEqual(onceEach([entry.text]))
  })

  it("is per account: another account neither sees nor sends the first one's messages", async () => {
    const app = startApp()
    const ana = await signUp(app)
    await goOffline(app)
    app.outbox.send(A, C, "Ana's message")
    await app.auth.logout()
    await until(() => app.connection.state === 'idle', 'the sign-out')

    const bia = newAccount()
    await signUp(app, bia)
    expect(app.outbox.entries).toEqual([])
    expect(userTexts(app)).toEqual([])
    expect(app.sends).toEqual([])
    await app.auth.logout()
    await until(() => app.connection.state === 'idle', 'the sign-out')

    await signIn(app, ana)
    await until(() => app.outbox.entries.length === 0, "Ana's outbox to empty")
    expect(app.sends.map((s) => s.message)).toEqual(["Ana's message"])
  })
})
