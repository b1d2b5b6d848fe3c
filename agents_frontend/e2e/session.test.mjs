// The socket follows the session, not a view: signing in again connects, a session the
// server ends on token expiry is renewed unnoticed, and a message typed offline survives a
// reload and is sent exactly once.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  launchBrowser,
  openAgent,
  recordSends,
  sendMessage,
  shot,
  signIn,
  signUp,
  startBackend,
  startGate,
  storedMessages,
  watchFor,
} from './harness.mjs'

const TIMEOUT = 30_000
const DESKTOP = { width: 1280, height: 800 }
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
let browser

before(async () => {
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
})

async function newPage(options = {}) {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: DESKTOP, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  return { context, page }
}

function userTexts(page) {
  return page.locator('[data-test="message-user"] [data-test="message-text"]').allInnerTexts()
}

function answered(page, count) {
  return page.waitForFunction(
    (n) => document.querySelectorAll('[data-test="message-agent"][data-status="sent"]').length >= n,
    count,
  )
}

/** Each user message stored once, each answered once. */
function assertOneCopyEach(stored, texts) {
  const own = stored.filter((m) => m.author === 'user')
  assert.deepEqual(own.map((m) => m.text), texts)
  for (const message of own) {
    const replies = stored.filter((m) => m.author === 'agent' && m.replyTo === message.id)
    assert.equal(replies.length, 1, `one reply to "${message.text}"`)
  }
}

describe('the session and the socket', () => {
  let backend
  /** The same backend behind a gate that can cut the socket's network. */
  let gate

  before(async () => {
    backend = await startBackend({}, 'session')
    gate = await startGate(backend.url)
  })

  after(async () => {
    await gate?.stop()
    await backend?.stop()
  })

  test('signing out and in again without a reload connects: the next message is answered', async () => {
    const { context, page } = await newPage()
    const account = await signUp(page, backend.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'antes de sair')
    await answered(page, 1)

    await page.getByTestId('sign-out').click()
    await page.waitForURL((u) => u.pathname.startsWith('/login'))
    await signIn(page, backend.url, account)
    await openAgent(page, 'support')
    await page.locator('[data-test="message-agent"]').first().waitFor() // the history is back
    await sendMessage(page, 'depois de entrar de novo')
    await answered(page, 2)
    assert.deepEqual(await userTexts(page), ['antes de sair', 'depois de entrar de novo'])
    assert.equal(await page.getByTestId('reconnect-banner').count(), 0)
    assert.equal(await page.getByTestId('outbox-banner').count(), 0)
    assertOneCopyEach(await storedMessages(page, 'support'), ['antes de sair', 'depois de entrar de novo'])

    // Another account in the same tab sees none of the first one's conversation.
    await page.getByTestId('sign-out').click()
    await page.waitForURL((u) => u.pathname.startsWith('/login'))
    await signUp(page, backend.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'outra conta')
    await answered(page, 1)
    assert.deepEqual(await userTexts(page), ['outra conta'])
    await context.close()
  })

  test('a message typed offline survives a reload and is sent exactly once', async () => {
    const { context, page } = await newPage()
    await recordSends(context)
    await signUp(page, gate.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'primeira mensagem')
    await answered(page, 1)

    gate.block()
    await page.getByTestId('reconnect-banner').waitFor()
    await sendMessage(page, 'escrita sem conexão')
    await page.locator('[data-test="message-user"][data-status="queued"]').waitFor()
    await page.getByTestId('outbox-banner').waitFor()
    await shot(page, '30-outbox-banner-desktop-pt')

    // Still offline after the reload: the message is back, waiting, and says so.
    await page.reload()
    await page.locator('[data-test="message-user"][data-status="queued"]').waitFor()
    await page.getByTestId('outbox-banner').waitFor()
    await page.locator('[data-test="message-agent"]').first().waitFor() // the history, over REST
    assert.deepEqual(await userTexts(page), ['primeira mensagem', 'escrita sem conexão'])
    await shot(page, '31-outbox-banner-after-reload')

    gate.unblock()
    await page.getByTestId('outbox-banner').waitFor({ state: 'detached', timeout: 20_000 })
    await answered(page, 2)
    assert.deepEqual(await userTexts(page), ['primeira mensagem', 'escrita sem conexão'])
    const sends = (await page.evaluate(() => window.__sends())).filter((p) => p.message === 'escrita sem conexão')
    assert.equal(sends.length, 1, 'sent once, after the reload')
    assertOneCopyEach(await storedMessages(page, 'support'), ['primeira mensagem', 'escrita sem conexão'])
    const outboxes = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('agents.outbox.')))
    assert.deepEqual(outboxes, [], 'nothing left to send')

    await page.reload()
    await answered(page, 2)
    assert.deepEqual(await userTexts(page), ['primeira mensagem', 'escrita sem conexão'])
    await context.close()
  })

  test('the offline banner on a desktop and a phone, in English and Portuguese', async () => {
    const cases = [
      { name: '32-outbox-banner-desktop-en', options: { locale: 'en-US' } },
      { name: '33-outbox-banner-phone-en', options: { locale: 'en-US', ...PHONE } },
      { name: '34-outbox-banner-phone-pt', options: { locale: 'pt-BR', ...PHONE } },
    ]
    for (const { name, options } of cases) {
      const { context, page } = await newPage(options)
      try {
        await signUp(page, gate.url)
        if (options.isMobile) await page.getByRole('button', { name: /^(Open menu|Abrir menu)$/ }).click()
        await openAgent(page, 'support')
        gate.block()
        await sendMessage(page, options.locale === 'en-US' ? 'typed while offline' : 'escrita sem conexão')
        await sendMessage(page, options.locale === 'en-US' ? 'and one more' : 'e mais uma')
        const banner = page.getByTestId('outbox-banner')
        await banner.waitFor()
        const text = await banner.innerText()
        assert.match(text, options.locale === 'en-US' ? /2 messages are kept/ : /2 mensagens estão guardadas/)
        await shot(page, name)
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)
        assert.equal(overflow, false, 'no horizontal scrolling')
      } finally {
        gate.unblock()
        await context.close()
      }
    }
  })
})

describe('an access token that expires while chatting', () => {
  let backend

  before(async () => {
    backend = await startBackend({ JWT_EXPIRE_MINUTES: '1' }, 'session-expiry')
  })

  after(async () => {
    await backend?.stop()
  })

  test('the server ends the session; the app renews it unnoticed and loses no message', { timeout: 180_000 }, async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    const signedInAt = Date.now()
    const navigations = []
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(new URL(frame.url()).pathname)
    })
    await openAgent(page, 'support')
    await sendMessage(page, 'antes de expirar')
    await answered(page, 1)
    await watchFor(page, ['reconnect-banner', 'outbox-banner', 'conversation-error', 'message-error'])
    // At the very moment the server ends the session, the person sends a message.
    await page.evaluate(() => {
      window.__ended = []
      window.__agentsSocket.on('agent:session-ended', ({ reason }) => {
        window.__ended.push(reason)
        const box = document.querySelector('[data-test="composer"] textarea')
        box.value = 'escrita quando a sessão terminou'
        box.dispatchEvent(new Event('input', { bubbles: true }))
        box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
      })
    })

    await page.waitForFunction(() => window.__ended.includes('token_expired'), null, { timeout: 100_000 })
    await page.waitForFunction(() => window.__agentsSocket.connected)
    await answered(page, 2)
    const untilPastExpiry = signedInAt + 70_000 - Date.now()
    if (untilPastExpiry > 0) await page.waitForTimeout(untilPastExpiry)
    await sendMessage(page, 'depois de expirar')
    await answered(page, 3)

    const texts = ['antes de expirar', 'escrita quando a sessão terminou', 'depois de expirar']
    assert.deepEqual(await userTexts(page), texts)
    assert.deepEqual(await page.evaluate(() => window.__seen), [], 'no banner, no error')
    assert.ok(!navigations.some((path) => path.startsWith('/login')), `never sent to sign-in (${navigations.join(', ')})`)
    assert.ok(new URL(page.url()).pathname.startsWith('/chat/support'))
    assertOneCopyEach(await storedMessages(page, 'support'), texts)
    await shot(page, '35-after-token-expiry')
    await context.close()
  })
})
