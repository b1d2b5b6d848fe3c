// Reply controls in the browser (issue 16): Stop mid-stream keeps a stopped partial reply
// and closes the model's stream; a message sent while a reply streams waits visibly and
// is answered after it; Regenerate and Edit continue the conversation, also after a
// reload; the composer counts to the server's length limit.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser, openAgent, sendMessage, shot, signUp, startBackend, startModelServer, storedMessages } from './harness.mjs'

const TIMEOUT = 30_000
const MAX_CHARS = 300
// A long reply (40 pieces, 150 ms apart: 6 s), asked for by "longa" / "long".
const STORY = Array.from({ length: 40 }, (_, n) => `parte ${n + 1} da história; `)
const slow = (text) => /longa|long/i.test(text)
const AGENT = '[data-test="message-agent"]'
const USER = '[data-test="message-user"]'
let model
let backend
let browser
let replies = 0

before(async () => {
  model = await startModelServer({
    script: (text) => {
      if (slow(text)) return STORY
      replies += 1
      return [`Resposta ${replies} `, 'sobre: ', text.slice(0, 40)]
    },
    delayMs: (text) => (slow(text) ? 150 : 40),
  })
  backend = await startBackend({ OPENAI_API_KEY: 'x', OPENAI_BASE_URL: model.url, MAX_MESSAGE_CHARS: String(MAX_CHARS) }, 'controls')
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
})

async function newPage({ locale = 'pt-BR', ...options } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 }, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  return { context, page }
}

async function until(check, what, ms = TIMEOUT) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The ids of the shown bubbles (person's and agent's), top to bottom. */
function shownIds(page) {
  return page.locator(`${USER}, ${AGENT}`).evaluateAll((els) => els.map((el) => el.dataset.id))
}

/** A bubble's action, the keyboard way (its toolbar shows on hover or focus). */
async function press(button) {
  await button.focus()
  await button.press('Enter')
}

async function settled(page) {
  await page.locator(`${AGENT}[data-status="streaming"]`).waitFor({ state: 'detached' })
  await page.getByTestId('stop').waitFor({ state: 'detached' })
}

describe('reply controls', () => {
  test('Stop keeps the text so far, marked stopped, and the model server sees its stream closed', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'Conte uma história longa, por favor')
    const streaming = page.locator(`${AGENT}[data-status="streaming"]`)
    await streaming.waitFor()
    await page.waitForFunction(() => (document.querySelector('[data-test="message-agent"][data-status="streaming"]')?.textContent ?? '').includes('parte 3'))
    const stop = page.getByTestId('stop')
    assert.equal(await stop.getAttribute('aria-label'), 'Parar')
    assert.equal(await page.getByTestId('send').count(), 0, 'Stop takes the place of Send')
    await shot(page, '60-controls-streaming-stop-pt-desktop')
    await stop.click()

    const kept = page.locator(`${AGENT}[data-status="sent"]`).filter({ has: page.getByTestId('message-stopped') })
    await kept.waitFor()
    const text = (await kept.getByTestId('message-text').innerText()).trim()
    assert.ok(text.startsWith('parte 1 da história;'), text)
    assert.ok(text.length < STORY.join('').trim().length, 'only part of the story was kept')
    await until(() => model.closed.includes('Conte uma história longa, por favor'), 'the model server to see its stream closed')
    assert.equal(await page.getByTestId('send').count(), 1, 'Send is back')
    await shot(page, '61-controls-stopped-pt-desktop')

    await page.reload()
    const again = page.locator(AGENT).filter({ has: page.getByTestId('message-stopped') })
    await again.waitFor()
    assert.equal((await again.getByTestId('message-text').innerText()).trim(), text)
    const stored = await storedMessages(page, 'support')
    assert.deepEqual(stored.map((m) => [m.author, m.stopped ?? false]), [['user', false], ['agent', true]])
    await context.close()
  })

  test('a message sent while a reply streams waits visibly, then is answered after it', async () => {
    const { context, page } = await newPage({ locale: 'en-US' })
    await signUp(page, backend.url, { name: 'Ann Test' })
    await openAgent(page, 'support')
    await sendMessage(page, 'Tell me a long story')
    await page.locator(`${AGENT}[data-status="streaming"]`).waitFor()
    await sendMessage(page, 'And a short question meanwhile')
    const waiting = page.locator(USER).filter({ hasText: 'And a short question meanwhile' }).getByTestId('message-waiting')
    await waiting.waitFor()
    assert.equal((await waiting.innerText()).trim(), 'Waiting for the reply above')
    await shot(page, '62-controls-waiting-en-desktop')

    const answer = page.locator(`${AGENT}[data-status="sent"]`).filter({ hasText: 'sobre: And a short question meanwhile' })
    await answer.waitFor({ timeout: 20_000 })
    await settled(page)
    assert.equal(await page.getByTestId('message-waiting').count(), 0)
    const stored = await storedMessages(page, 'support')
    const story = stored.find((m) => m.author === 'agent' && m.text.startsWith('parte 1'))
    const second = stored.find((m) => m.text === 'And a short question meanwhile')
    const reply = stored.find((m) => m.author === 'agent' && m.replyTo === second.id)
    assert.equal(story.text.trim(), STORY.join('').trim(), 'the first reply ran to its end')
    // Shown in the order it happened: question, its reply, the next question, its reply.
    assert.deepEqual(await shownIds(page), [story.replyTo, story.id, second.id, reply.id])
    // The second reply was asked for after the first ended, and read it.
    const prompt = model.requests.filter((r) => r.stream).at(-1).messages.map((m) => m.content)
    assert.ok(prompt.includes(story.text), 'the model read the finished first reply')
    await context.close()
  })

  test('Regenerate replaces the last reply, and Edit continues the conversation from the edited message', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'Qual é o horário de atendimento?')
    const first = page.locator(`${AGENT}[data-status="sent"]`).last()
    await first.waitFor()
    await settled(page)
    const firstText = (await first.getByTestId('message-text').innerText()).trim()

    await press(first.getByTestId('message-regenerate'))
    const regenerated = page.locator(`${AGENT}[data-status="sent"]`).filter({ hasNotText: firstText })
    await regenerated.waitFor()
    await settled(page)
    assert.equal(await page.locator(AGENT).filter({ hasText: firstText }).count(), 0, 'the old reply is gone')
    const newText = (await regenerated.getByTestId('message-text').innerText()).trim()
    await page.reload()
    await page.locator(AGENT).first().waitFor()
    assert.deepEqual(
      (await page.locator(AGENT).getByTestId('message-text').allInnerTexts()).map((t) => t.trim()),
      [newText],
      'after a reload only the regenerated reply shows',
    )

    // A second exchange, then the first question is edited: everything after it goes.
    await sendMessage(page, 'Vocês abrem no sábado?')
    await page.locator(`${AGENT}[data-status="sent"]`).filter({ hasText: 'sábado' }).waitFor()
    await settled(page)
    const question = page.locator(USER).filter({ hasText: 'Qual é o horário de atendimento?' })
    await press(question.getByTestId('message-edit'))
    await page.getByTestId('edit-input').locator('textarea').first().fill('Qual é o horário aos domingos?')
    await shot(page, '63-controls-editing-pt-desktop')
    await page.getByTestId('edit-save').click()
    await page.locator(`${AGENT}[data-status="sent"]`).filter({ hasText: 'domingos' }).waitFor()
    await settled(page)
    const userTexts = async () => (await page.locator(USER).getByTestId('message-text').allInnerTexts()).map((t) => t.trim())
    assert.deepEqual(await userTexts(), ['Qual é o horário aos domingos?'])
    assert.equal(await page.locator(AGENT).count(), 1)
    await shot(page, '64-controls-edited-pt-desktop')

    await page.reload()
    await page.locator(AGENT).first().waitFor()
    assert.deepEqual(await userTexts(), ['Qual é o horário aos domingos?'])
    const shown = await storedMessages(page, 'support')
    assert.deepEqual(shown.map((m) => m.author), ['user', 'agent'])
    assert.ok(shown[0].edits, 'the new message names the one it replaces')
    const prompt = model.requests.filter((r) => r.stream).at(-1).messages.map((m) => m.content)
    assert.ok(!prompt.some((c) => c.includes('sábado')), 'the model never read the superseded exchange')
    await context.close()
  })

  test('the composer counts to the server limit and says why a too-long message cannot be sent', async () => {
    const { context, page } = await newPage({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    await signUp(page, backend.url, { name: 'Ann Test' })
    await page.goto(`${backend.url}/chat/support/default`)
    const box = page.getByTestId('composer').locator('textarea').first()
    await box.waitFor()
    await box.fill('x'.repeat(MAX_CHARS - 10))
    await page.getByTestId('char-count').waitFor()
    assert.match(await page.getByTestId('char-count').innerText(), new RegExp(`${MAX_CHARS - 10} / ${MAX_CHARS}`))
    assert.equal(await page.getByTestId('send').isEnabled(), true)
    await box.fill('x'.repeat(MAX_CHARS + 5))
    const reason = page.getByTestId('too-long')
    await reason.waitFor()
    assert.match(await reason.innerText(), /5 characters over the limit of 300/)
    assert.equal(await page.getByTestId('send').isEnabled(), false)
    await box.press('Enter')
    assert.equal(await page.locator(USER).count(), 0, 'Enter does not send a message that is too long')
    await shot(page, '65-controls-too-long-en-phone')

    // Stop and the waiting line on a phone, in Portuguese.
    await box.fill('')
    await page.evaluate(() => localStorage.setItem('agents.locale', 'pt-BR'))
    await page.reload()
    await page.getByTestId('composer').locator('textarea').first().waitFor()
    await sendMessage(page, 'Outra história longa')
    await page.locator(`${AGENT}[data-status="streaming"]`).waitFor()
    await sendMessage(page, 'E uma pergunta curta')
    await page.getByTestId('message-waiting').waitFor()
    assert.ok(await page.getByTestId('stop').isVisible())
    await shot(page, '66-controls-waiting-stop-pt-phone')
    await page.getByTestId('stop').click()
    await page.getByTestId('message-stopped').waitFor()
    await page.locator(`${AGENT}[data-status="sent"]`).filter({ hasText: 'E uma pergunta curta' }).waitFor()
    await shot(page, '67-controls-stopped-pt-phone')
    await context.close()
  })
})
