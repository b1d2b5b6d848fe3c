// The Webhooks page as an owner uses it (issue 15): they add their CRM's endpoint and copy
// the signing secret shown once; a reminder in a chat becomes a task and the CRM is told
// (it refused the first attempt and took the retry); the delivery log shows it delivered,
// "Resend" delivers the same event again, and the endpoint can be deleted.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { launchBrowser, openAgent, sendMessage, shot, signUp, startBackend } from './harness.mjs'

/** A CRM on loopback: records each POST; answers 500 to the first `failFirst`, then 204. */
function startReceiver({ failFirst = 0 } = {}) {
  const requests = []
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const status = requests.length < failFirst ? 500 : 204
      requests.push({ headers: req.headers, body: Buffer.concat(chunks), status })
      res.writeHead(status).end()
    })
  })
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({ requests, url: `http://127.0.0.1:${server.address().port}/crm/hooks`, close: () => server.close() }),
    ),
  )
}

async function eventually(check, what, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The receiver's check as README "Webhooks" documents it. */
function verified(secret, body, header) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split(/=(.*)/s).slice(0, 2)))
  const mac = createHmac('sha256', secret).update(`${parts.t}.`).update(body).digest('hex')
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300
  return fresh && timingSafeEqual(Buffer.from(mac), Buffer.from(parts.v1))
}

describe('webhooks', () => {
  let backend
  let browser
  before(async () => {
    backend = await startBackend({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '0.2' }, 'webhooks')
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('an owner connects a CRM, sees a chat event delivered, resends it and deletes the endpoint', async () => {
    const crm = await startReceiver({ failFirst: 1 })
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pt-BR' })
    const page = await context.newPage()
    page.setDefaultTimeout(30_000)
    try {
      await signUp(page, backend.url)
      await page.getByTestId('nav-webhooks').click()
      await page.waitForURL((u) => u.pathname === '/settings/webhooks')
      await page.getByTestId('webhooks-empty').waitFor()
      await page.getByTestId('webhooks-url').locator('input').fill(crm.url)
      await page.getByTestId('webhooks-event-conversation.created').locator('input').uncheck()
      await page.getByTestId('webhooks-submit').click()
      const secret = (await page.getByTestId('webhooks-secret-value').textContent()).trim()
      assert.match(secret, /^whsec_/)
      await page.getByTestId('webhooks-endpoint').filter({ hasText: crm.url }).waitFor()
      await page.getByText('6 eventos').waitFor()
      await shot(page, '70-webhooks-added')

      await page.reload()
      await page.getByTestId('webhooks-endpoint').waitFor()
      assert.equal(await page.getByTestId('webhooks-secret').count(), 0, 'the secret is shown once')
      assert.ok(!(await page.content()).includes(secret))

      await openAgent(page, 'sdr')
      await page.getByTestId('auto-create').locator('input').check()
      await sendMessage(page, 'me lembre de enviar a proposta amanhã')
      await eventually(() => crm.requests.some((r) => r.status === 204), 'the CRM to take the event')
      const [first, second] = crm.requests
      assert.equal(first.status, 500)
      assert.equal(second.headers['agents-webhook-id'], first.headers['agents-webhook-id'])
      assert.equal(second.headers['agents-webhook-event'], 'task.created')
      assert.ok(verified(secret, second.body, second.headers['agents-signature']), 'the signature verifies')

      await page.getByTestId('nav-webhooks').click()
      await page.getByTestId('webhooks-endpoint').click()
      const row = page.getByTestId('webhooks-delivery')
      await row.filter({ hasText: 'Tarefa criada' }).waitFor()
      // The log is read when asked for (no live events): refresh until it is stored.
      for (let i = 0; (await row.getAttribute('data-status')) !== 'delivered'; i += 1) {
        assert.ok(i < 100, 'the delivery was never shown as delivered')
        await page.waitForTimeout(100)
        await page.getByTestId('webhooks-refresh').click()
      }
      await row.filter({ hasText: 'HTTP 204' }).waitFor()
      await page.waitForTimeout(400) // the panel's opening animation, for the screenshot only
      await shot(page, '71-webhooks-delivered')

      await page.getByTestId('webhooks-resend').click()
      await eventually(() => crm.requests.length === 3, 'the resent event')
      assert.equal(crm.requests[2].headers['agents-webhook-id'], first.headers['agents-webhook-id'])
      assert.deepEqual(crm.requests[2].body, first.body)

      await page.getByTestId('webhooks-delete').click()
      await page.getByTestId('webhooks-confirm-ok').click()
      await page.getByTestId('webhooks-empty').waitFor()
      await page.getByTestId('webhooks-add').waitFor() // nothing left: the form is open again
      await page.reload()
      await page.getByTestId('webhooks-empty').waitFor()
    } finally {
      await context.close()
      crm.close()
    }
  })
})
