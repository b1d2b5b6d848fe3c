import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser, openAgent, sendMessage, shot, signUp, startBackend } from './harness.mjs'

const TIMEOUT = 30_000
let backend
let browser

before(async () => {
  backend = await startBackend()
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
})

async function newPage(options = {}) {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1280, height: 800 }, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  return { context, page }
}

function userTexts(page) {
  return page.locator('[data-test="message-user"] [data-test="message-text"]').allInnerTexts()
}

describe('the browser app against the real backend', () => {
  test('sign up, chat with sdr: own message, streamed reply, suggestions; reload keeps history', async () => {
    const { context, page } = await newPage()
    await shot(page, '00-blank').catch(() => {})
    await page.goto(`${backend.url}/login`)
    await shot(page, '01-login')
    await signUp(page, backend.url)
    await openAgent(page, 'sdr')
    await shot(page, '02-chat-empty')
    // The first streamed chunk shows as a bubble still streaming, before the final copy.
    // The offline responder streams word by word without pauses: watch the DOM itself.
    await page.evaluate(() => {
      window.__streamTexts = []
      new MutationObserver(() => {
        const el = document.querySelector('[data-test="message-agent"][data-status="streaming"] [data-test="message-text"]')
        if (el) window.__streamTexts.push(el.textContent)
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    })
    await sendMessage(page, 'Olá, quero saber mais sobre o produto')
    await page.locator('[data-test="message-user"]').first().waitFor()
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()
    const partials = await page.evaluate(() => window.__streamTexts)
    assert.ok(new Set(partials).size >= 2, 'the reply grew chunk by chunk before it was final')
    await page.getByTestId('suggestion').first().waitFor()
    assert.equal(await page.locator('[data-test="message-user"]').count(), 1, 'own message shown once')
    assert.ok(await page.getByTestId('offline-banner').isVisible(), 'offline banner while no model is configured')
    await shot(page, '03-chat-reply')
    const chip = page.getByTestId('suggestion').first()
    const chipText = (await chip.innerText()).trim()
    await chip.click()
    assert.equal(await page.getByTestId('composer').locator('textarea').first().inputValue(), chipText)

    // Shift+Enter adds a line instead of sending.
    const box = page.getByTestId('composer').locator('textarea').first()
    await box.fill('linha 1')
    await box.press('Shift+Enter')
    await box.type('linha 2')
    assert.equal(await box.inputValue(), 'linha 1\nlinha 2')
    await box.fill('')

    await page.reload()
    await page.locator('[data-test="message-agent"]').first().waitFor()
    assert.deepEqual(await userTexts(page), ['Olá, quero saber mais sobre o produto'])
    await context.close()
  })

  test('asking for a meeting opens the slot picker; picking a slot books it', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openAgent(page, 'sdr')
    await sendMessage(page, 'Quero agendar uma reunião amanhã às 15h, meu email é ana@example.com')
    const picker = page.getByTestId('slot-picker')
    await picker.waitFor()
    await page.locator('[data-test="slot"]').first().waitFor()
    await shot(page, '04-slot-picker')
    const email = page.getByTestId('slot-email').locator('input')
    assert.equal(await email.inputValue(), 'ana@example.com', 'e-mail found in the message is pre-filled')
    await page.locator('[data-test="slot"]').first().click()
    await page.getByTestId('slot-confirm').click()
    await page.getByTestId('booking-confirmed').waitFor()
    await page.locator('[data-test="message-system"]').first().waitFor()
    await picker.waitFor({ state: 'detached' })
    await shot(page, '05-booked')
    await context.close()
  })

  test('create a custom bot and chat with it', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await page.getByTestId('nav-bots').click()
    await page.getByTestId('new-bot').click()
    await page.getByTestId('bot-name').locator('input').fill('Bot de Vendas E2E')
    await page.getByTestId('bot-prompt').locator('textarea').first().fill('Você é um assistente de vendas educado e objetivo.')
    const specialties = page.getByTestId('bot-specialties').locator('input')
    await specialties.fill('vendas')
    await specialties.press('Enter')
    await shot(page, '06-bot-creator')
    await page.getByTestId('bot-save').click()
    await page.getByTestId('bot-creator').waitFor({ state: 'detached' })
    const card = page.locator('[data-test^="bot-"]').filter({ hasText: 'Bot de Vendas E2E' }).first()
    await card.waitFor()
    await shot(page, '07-bots')
    await card.getByTestId('bot-chat').click()
    await page.getByTestId('pane-title').filter({ hasText: 'Bot de Vendas E2E' }).waitFor()
    await sendMessage(page, 'Oi bot!')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()
    await shot(page, '08-custom-bot-chat')
    await context.close()
  })

  test('a dropped socket reconnects without lost or doubled messages; offline typing is sent once', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'primeira mensagem')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()

    // Drop the connection the way a network failure would, and keep it down.
    await page.evaluate(() => {
      const s = window.__agentsSocket
      s.io.opts.reconnection = false
      s.io.engine.close()
    })
    await page.getByTestId('reconnect-banner').waitFor()
    await sendMessage(page, 'escrita sem conexão')
    await page.locator('[data-test="message-user"][data-status="queued"]').waitFor()
    await shot(page, '09-disconnected')

    await page.evaluate(() => {
      const s = window.__agentsSocket
      s.io.opts.reconnection = true
      s.connect()
    })
    await page.getByTestId('reconnect-banner').waitFor({ state: 'detached' })
    await page.waitForFunction(() => document.querySelectorAll('[data-test="message-agent"][data-status="sent"]').length >= 2)
    assert.deepEqual(await userTexts(page), ['primeira mensagem', 'escrita sem conexão'])

    // The server holds exactly one copy of each, too.
    await page.reload()
    await page.waitForFunction(() => document.querySelectorAll('[data-test="message-agent"]').length >= 2)
    assert.deepEqual(await userTexts(page), ['primeira mensagem', 'escrita sem conexão'])
    await context.close()
  })

  test('phone-sized screen in English', async () => {
    const { context, page } = await newPage({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    await signUp(page, backend.url)
    await page.getByRole('button', { name: 'Open menu' }).click()
    await openAgent(page, 'sdr')
    await sendMessage(page, 'Hello there')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()
    await page.getByTestId('suggestion').first().waitFor()
    await shot(page, '10-phone-chat')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)
    assert.equal(overflow, false, 'no horizontal scrolling on a phone')
    await context.close()
  })
})
