// The backend with a model configured: its real `openai` SDK streams from a local
// OpenAI-compatible server, and the browser shows the reply growing in the bubble.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  launchBrowser,
  openAgent,
  sendMessage,
  shot,
  signUp,
  startBackend,
  startModelServer,
  storedMessages,
} from './harness.mjs'

const TIMEOUT = 30_000
const XSS = '<img src=x onerror=alert(1)>'
const GREETING = ['Olá! ', 'Sou o ', 'assistente ', 'de vendas. ', 'Como posso ', 'ajudar?']
// A long reply (30 pieces, 150 ms apart: 4.5 s) that a reload and a new tab land in.
const PLAN = Array.from({ length: 30 }, (_, n) => `passo ${n + 1}; `)
const STREAMING = '[data-test="message-agent"][data-status="streaming"] [data-test="message-text"]'
const FINISHED = '[data-test="message-agent"][data-status="sent"] [data-test="message-text"]'
let model
let backend
let browser

before(async () => {
  model = await startModelServer({
    script: (text) => (/html/i.test(text) ? ['<img ', 'src=x ', 'onerror=alert(1)>'] : /plano/i.test(text) ? PLAN : GREETING),
    delayMs: 150,
  })
  backend = await startBackend({ OPENAI_API_KEY: 'x', OPENAI_BASE_URL: model.url })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
})

async function newPage(options = {}) {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1280, height: 800 }, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  const dialogs = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  return { context, page, dialogs }
}

describe('chat with a model behind an OpenAI-compatible server', () => {
  test('a streamed reply grows in the bubble, with no offline banner', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openAgent(page, 'sdr')
    await page.evaluate(() => {
      window.__streamTexts = []
      new MutationObserver(() => {
        const el = document.querySelector('[data-test="message-agent"][data-status="streaming"] [data-test="message-text"]')
        if (el) window.__streamTexts.push(el.textContent)
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    })
    await sendMessage(page, 'Olá, quero saber mais sobre o produto')
    const streaming = page.locator('[data-test="message-agent"][data-status="streaming"]')
    await streaming.waitFor()
    await page.waitForFunction(() => (window.__streamTexts ?? []).some((t) => t.includes('assistente')))
    await shot(page, '20-model-streaming')
    const final = page.locator('[data-test="message-agent"][data-status="sent"] [data-test="message-text"]').first()
    await final.waitFor()
    assert.equal((await final.innerText()).trim(), GREETING.join('').trim())

    const partials = [...new Set(await page.evaluate(() => window.__streamTexts))].map((t) => t.replace('▍', ''))
    assert.ok(partials.length >= 3, `the reply grew chunk by chunk (saw ${partials.length} states)`)
    for (const partial of partials) assert.ok(GREETING.join('').startsWith(partial), `"${partial}" is a prefix of the reply`)
    assert.equal(await page.getByTestId('offline-banner').count(), 0, 'no offline banner with a model')

    const streamed = model.requests.find((r) => r.stream)
    assert.ok(streamed, 'the backend asked the model for a stream')
    assert.equal(streamed.stream_options?.include_usage, true)
    await page.getByTestId('suggestion').first().waitFor()
    await shot(page, '21-model-reply')
    await context.close()
  })

  const VIEWS = [
    { name: 'desktop-pt', options: {} },
    { name: 'phone-en', options: { locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  ]
  for (const view of VIEWS) test(`a reload mid-stream shows the reply so far at once and completes it; a new tab shows the same (${view.name})`, async () => {
    const { context, page } = await newPage(view.options)
    await signUp(page, backend.url)
    // The chat's own address (on a phone the agent list sits in a drawer).
    await page.goto(`${backend.url}/chat/support/default`)
    await page.getByTestId('composer').locator('textarea').first().waitFor()
    await sendMessage(page, 'What is the whole plano?')
    const full = PLAN.join('').trim()
    const visible = async (p, selector) => (await p.locator(selector).first().innerText()).replace('▍', '').trim()
    await page.waitForFunction((s) => document.querySelector(s)?.textContent.includes('passo 4;'), STREAMING)
    const beforeReload = await visible(page, STREAMING)

    // A second tab of the same session opens mid-stream: the same reply, from where it is.
    const second = await context.newPage()
    await second.goto(page.url())
    await second.waitForFunction((s) => document.querySelector(s)?.textContent.replace('▍', '').trim(), STREAMING)
    const inSecond = await visible(second, STREAMING)
    assert.ok(inSecond.length >= beforeReload.length && full.startsWith(inSecond), `second tab: "${inSecond}"`)

    await page.reload()
    // The first text the bubble shows (a caret alone until the history's snapshot lands).
    await page.waitForFunction((s) => document.querySelector(s)?.textContent.replace('▍', '').trim(), STREAMING)
    const afterReload = await visible(page, STREAMING)
    assert.ok(afterReload.length >= beforeReload.length, `the reload kept "${beforeReload}", shows "${afterReload}"`)
    assert.ok(full.startsWith(afterReload), `"${afterReload}" is the reply so far`)
    await shot(page, `24-reload-mid-stream-${view.name}`)

    for (const tab of [page, second]) {
      await tab.locator(FINISHED).first().waitFor()
      assert.equal(await visible(tab, FINISHED), full)
      assert.equal(await tab.locator('[data-test="message-agent"]').count(), 1, 'one bubble for the reply')
    }
    const stored = await storedMessages(page, 'support')
    assert.deepEqual(stored.map((m) => m.author), ['user', 'agent'])
    assert.equal(stored[1].text.trim(), full)
    await context.close()
  })

  test('model output is shown as text, never as HTML', async () => {
    const { context, page, dialogs } = await newPage()
    await signUp(page, backend.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'responda com html')
    const text = page.locator('[data-test="message-agent"][data-status="sent"] [data-test="message-text"]').first()
    await text.waitFor()
    assert.equal((await text.innerText()).trim(), XSS)
    assert.equal(await page.locator('[data-test="messages"] img').count(), 0, 'no img element was made')
    assert.equal(await page.locator('img[src="x"]').count(), 0)

    // The same after a reload, when the reply comes from the history instead of the stream.
    await page.reload()
    await text.waitFor()
    assert.equal((await text.innerText()).trim(), XSS)
    assert.equal(await page.locator('img[src="x"]').count(), 0)
    await page.waitForTimeout(200)
    assert.deepEqual(dialogs, [], 'no script ran')
    await shot(page, '22-model-html-as-text')
    await context.close()
  })
})
