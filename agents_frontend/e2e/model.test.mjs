// The backend with a model configured: its real `openai` SDK streams from a local
// OpenAI-compatible server, and the browser shows the reply growing in the bubble.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser, openAgent, sendMessage, shot, signUp, startBackend, startModelServer } from './harness.mjs'

const TIMEOUT = 30_000
const XSS = '<img src=x onerror=alert(1)>'
const GREETING = ['Olá! ', 'Sou o ', 'assistente ', 'de vendas. ', 'Como posso ', 'ajudar?']
let model
let backend
let browser

before(async () => {
  model = await startModelServer({
    script: (text) => (/html/i.test(text) ? ['<img ', 'src=x ', 'onerror=alert(1)>'] : GREETING),
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

async function newPage() {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1280, height: 800 } })
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
