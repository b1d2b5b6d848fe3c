/**
 * The Webhooks page's store against the real backend: an owner adds an endpoint (its
 * secret shown once), sees a refused URL explained, reads the delivery log of an event
 * their chat caused and resends it, and deletes the endpoint. Nothing listens at the
 * endpoint (loopback, allowed on the test server), so deliveries stay pending.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { useWebhooksStore, WEBHOOK_EVENTS } from '@/stores/webhooks'
import { chatElsewhere, newAccount, rawSocket, wire } from './support/app'

const ENDPOINT = 'http://127.0.0.1:9/hooks/crm'

beforeEach(() => {
  localStorage.clear()
  wire.length = 0
  setActivePinia(createPinia())
})

afterEach(() => {
  useAuthStore().clearSession()
})

async function signedUpOwner() {
  const auth = useAuthStore()
  const account = newAccount()
  await auth.register(account.name, account.email, account.password)
  const webhooks = useWebhooksStore()
  await webhooks.loadWorkspaces()
  await webhooks.load()
  return { auth, webhooks }
}

describe('the webhooks store', () => {
  it('lists every event type the server knows', () => {
    expect(WEBHOOK_EVENTS).toEqual([
      'conversation.created',
      'lead.updated',
      'handoff.requested',
      'conversation.closed',
      'meeting.booked',
      'meeting.cancelled',
      'task.created',
    ])
  })

  it('adds an endpoint, shows its secret once, and keeps only the hint afterwards', async () => {
    const { auth, webhooks } = await signedUpOwner()
    expect(webhooks.workspaceId).toBe(auth.user?.id)
    expect(webhooks.endpoints).toEqual([])

    expect(await webhooks.create(` ${ENDPOINT} `, ['task.created', 'meeting.booked'])).toBe(true)

    const secret = webhooks.created?.secret ?? ''
    expect(secret).toMatch(/^whsec_/)
    expect(webhooks.endpoints).toHaveLength(1)
    expect(webhooks.endpoints[0]).toMatchObject({ url: ENDPOINT, events: ['meeting.booked', 'task.created'], secretHint: secret.slice(-4) })
    expect(JSON.stringify(webhooks.endpoints)).not.toContain(secret)

    setActivePinia(createPinia()) // the page opened again
    const again = useWebhooksStore()
    await again.loadWorkspaces()
    await again.load()
    expect(again.created).toBeNull()
    expect(again.endpoints.map((e) => e.url)).toEqual([ENDPOINT])
    expect(JSON.stringify(again.endpoints)).not.toContain(secret)
  })

  it('explains a URL the server refuses and adds nothing', async () => {
    const { webhooks } = await signedUpOwner()

    expect(await webhooks.create('ftp://files.example.com/drop', ['task.created'])).toBe(false)

    expect(webhooks.error).toMatch(/https:\/\//)
    expect(webhooks.endpoints).toEqual([])
    expect(wire).toContain('POST /webhooks')
  })

  it('shows a chat event in the delivery log, resends it with the same event id, and deletes the endpoint', async () => {
    const { auth, webhooks } = await signedUpOwner()
    await webhooks.create(ENDPOINT, ['task.created'])
    const endpoint = webhooks.endpoints[0]!
    const token = auth.accessToken!
    const socket = await rawSocket(token)
    try {
      const ack = await socket.timeout(10_000).emitWithAck('agent:set-auto-create', { agentKey: 'sdr', autoCreate: true })
      expect(ack.ok).toBe(true)
    } finally {
      socket.disconnect()
    }
    await chatElsewhere(token, 'me lembre de enviar a proposta amanhã', 'sdr', 'lead-webhooks')

    // The task is made just after the reply; the server has no event for the log to await.
    let log = webhooks.deliveries[endpoint.id] ?? []
    for (let i = 0; log.length === 0 && i < 100; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      await webhooks.loadDeliveries(endpoint.id)
      log = webhooks.deliveries[endpoint.id] ?? []
    }
    expect(log).toHaveLength(1)
    const delivery = log[0]!
    expect(delivery).toMatchObject({ type: 'task.created', conversationId: 'lead-webhooks', status: 'pending' })

    await webhooks.resend(endpoint.id, delivery.id)

    const resent = webhooks.deliveries[endpoint.id]![0]!
    expect(resent.id).toBe(delivery.id)
    expect(resent.eventId).toBe(delivery.eventId)
    expect(resent.status).toBe('pending')
    expect(webhooks.error).toBeNull()

    await webhooks.remove(endpoint.id)
    expect(webhooks.endpoints).toEqual([])
    await webhooks.load()
    expect(webhooks.endpoints).toEqual([])
  })
})
