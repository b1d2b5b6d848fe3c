import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { apiUser, openAgent, sendMessage, shot, signUp, sharedSession } from './harness.mjs'

const session = sharedSession({ locale: 'pt-BR' })
const newPage = (options) => session.newPage(options)

function userTexts(page) {
  return page.locator('[data-test="message-user"] [data-test="message-text"]').allInnerTexts()
}

describe('the browser app against the real backend', () => {
  test('sign up, chat with sdr: own message, streamed reply, suggestions; reload keeps history', async () => {
    const { context, page } = await newPage()
    await shot(page, '00-blank').catch(() => {})
    await page.goto(`${session.backend.url}/login`)
    await shot(page, '01-login')
    await signUp(page, session.backend.url)
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
    await signUp(page, session.backend.url)
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

  test('a slot taken by someone else meanwhile shows the refusal and refreshes the slots', async () => {
    const { context, page } = await newPage()
    await signUp(page, session.backend.url)
    await openAgent(page, 'sdr')
    const slotsLoaded = page.waitForResponse((r) => r.url().includes('/calendar/available-slots') && r.status() === 200)
    await sendMessage(page, 'Quero agendar uma reunião amanhã, meu email é ana@example.com')
    const date = new URL((await slotsLoaded).url()).searchParams.get('date')
    const slots = page.locator('[data-test="slot"]')
    await slots.first().waitFor()
    const wanted = slots.nth(1)
    const label = (await wanted.innerText()).trim()
    const time = label.slice(0, 5)
    await wanted.click()

    // A second person books that very slot through their own socket, before the confirm.
    const rival = await apiUser(session.backend.url)
    const booked = await rival.socket.timeout(15_000).emitWithAck('agent:schedule-confirm', {
      agentKey: 'sdr', contactId: 'rival', date, time, email: 'rival@example.com', phone: '',
    })
    rival.socket.disconnect()
    assert.equal(booked.ok, true, JSON.stringify(booked))

    const refreshed = page.waitForResponse((r) => r.url().includes('/calendar/available-slots'))
    await page.getByTestId('slot-confirm').click()
    await page.getByTestId('slot-refusal').waitFor()
    await refreshed
    await page.waitForFunction((l) => ![...document.querySelectorAll('[data-test="slot"]')].some((el) => el.textContent.trim() === l), label)
    assert.ok(/ocupado/.test(await page.getByTestId('slot-refusal').innerText()))
    assert.equal(await page.getByTestId('slot-confirm').isDisabled(), true, 'no slot is chosen after the refusal')
    assert.equal(await page.getByTestId('conversation-error').count(), 0, 'the refusal is shown once, in the picker')
    await shot(page, '05b-slot-taken')

    await slots.first().click()
    await page.getByTestId('slot-confirm').click()
    await page.getByTestId('booking-confirmed').waitFor()
    await context.close()
  })

  test('the auto-create switch shows the saved state, also after a reload', async () => {
    const { context, page } = await newPage()
    await signUp(page, session.backend.url)
    await openAgent(page, 'sdr')
    const input = page.getByTestId('auto-create').locator('input')
    assert.equal(await input.isChecked(), false)
    await input.check()
    // Saved on the server for this person (what GET /agents reports).
    await page.waitForFunction(async () => {
      const { accessToken } = JSON.parse(localStorage.getItem('agents.session'))
      const res = await fetch('/agents', { headers: { authorization: `Bearer ${accessToken}` } })
      return (await res.json()).agents.find((a) => a.key === 'sdr').autoCreate === true
    })
    await page.reload()
    await page.getByTestId('composer').locator('textarea').first().waitFor()
    await page.waitForFunction(() => document.querySelector('[data-test="auto-create"] input')?.checked === true)
    await shot(page, '05c-auto-create-on')
    await openAgent(page, 'support')
    assert.equal(await input.isChecked(), false, 'per agent')
    await context.close()
  })

  test('create a custom bot and chat with it', async () => {
    const { context, page } = await newPage()
    await signUp(page, session.backend.url)
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

  test('bots: edit, clone from a template, clone, delete with confirmation', async () => {
    const { context, page } = await newPage()
    await signUp(page, session.backend.url)
    await page.getByTestId('nav-bots').click()
    const cards = page.locator('[data-test^="bot-"]').filter({ has: page.getByTestId('bot-edit') })
    const card = (name) => cards.filter({ has: page.getByText(name, { exact: true }) })

    // From a template: the creator opens pre-filled with the template.
    await page.getByTestId('template-scheduler').getByTestId('template-use').click()
    const creator = page.getByTestId('bot-creator')
    await creator.waitFor()
    assert.equal(await page.getByTestId('bot-name').locator('input').inputValue(), 'Agenda')
    assert.ok((await page.getByTestId('bot-prompt').locator('textarea').first().inputValue()).length >= 10)
    await page.getByTestId('bot-name').locator('input').fill('Agenda E2E')
    await page.getByTestId('bot-openai-key').locator('input').fill('sk-e2e-secret-1234')
    await shot(page, '11-bot-from-template')
    await page.getByTestId('bot-save').click()
    await creator.waitFor({ state: 'detached' })
    await card('Agenda E2E').waitFor()

    // Edit: the stored key is never shown; the new name is saved.
    await card('Agenda E2E').getByTestId('bot-edit').click()
    await creator.waitFor()
    assert.equal(await page.getByTestId('bot-openai-key').locator('input').inputValue(), '', 'a stored key is never shown')
    assert.ok(!(await creator.innerText()).includes('sk-e2e-secret-1234'))
    await page.getByTestId('bot-name').locator('input').fill('Agenda Editada')
    await page.getByTestId('bot-save').click()
    await creator.waitFor({ state: 'detached' })
    await card('Agenda Editada').waitFor()
    assert.equal(await card('Agenda E2E').count(), 0)

    // Clone: a second bot with the same settings.
    await card('Agenda Editada').getByTestId('bot-clone').click()
    await card('Agenda Editada (cópia)').waitFor()
    await shot(page, '12-bots-after-clone')

    // Delete asks first; cancelling keeps the bot, confirming removes it (and from the list).
    const copy = card('Agenda Editada (cópia)')
    await copy.getByTestId('bot-delete').click()
    const dialog = page.getByTestId('delete-dialog')
    await dialog.waitFor()
    assert.ok((await dialog.innerText()).includes('Agenda Editada (cópia)'))
    await page.waitForTimeout(350) // let the dialog's fade-in finish for the screenshot
    await shot(page, '13-bot-delete-confirm')
    await dialog.getByRole('button', { name: 'Cancelar' }).click()
    await dialog.waitFor({ state: 'detached' })
    assert.equal(await copy.count(), 1)
    await copy.getByTestId('bot-delete').click()
    await page.getByTestId('confirm-delete').click()
    await copy.waitFor({ state: 'detached' })
    assert.equal(await card('Agenda Editada').count(), 1)
    await page.reload()
    await card('Agenda Editada').waitFor()
    assert.equal(await card('Agenda Editada (cópia)').count(), 0, 'the deletion is on the server')
    await context.close()
  })

  test('a dropped socket reconnects without lost or doubled messages; offline typing is sent once', async () => {
    const { context, page } = await newPage()
    await signUp(page, session.backend.url)
    await openAgent(page, 'support')
    await sendMessage(page, 'primeira mensagem')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()

    // Drop the connection the way a network failure would, and keep it down.
    await page.evaluate(() => {
      const s = window.__agentsSocket
      s.io.reconnection(false)
      s.io.engine.close()
    })
    await page.getByTestId('reconnect-banner').waitFor()
    await sendMessage(page, 'escrita sem conexão')
    await page.locator('[data-test="message-user"][data-status="queued"]').waitFor()
    await shot(page, '09-disconnected')

    await page.evaluate(() => {
      const s = window.__agentsSocket
      s.io.reconnection(true)
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
    await signUp(page, session.backend.url)
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
