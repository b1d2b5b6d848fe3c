// Comfort and the rough edges, as a person meets them in Chromium against the real backend
// (a local OpenAI-compatible server as the model): dark mode, the favicon, the phone
// layout, the summary and task sheets, the slot picker reopened from the conversation,
// the bot form's list of models, and a view that stays where the reader put it.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { apiUser, launchBrowser, sendMessage, shot, signUp, startBackend, startModelServer } from './harness.mjs'

const DESKTOP = { viewport: { width: 1280, height: 800 } }
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
const GREETING = ['Olá! ', 'Como ', 'posso ', 'ajudar?']
// A reply long enough to scroll (90 paragraphs, 40 ms apart: ~3.6 s of streaming).
const LONG = Array.from({ length: 90 }, (_, n) => `Parágrafo ${n + 1} de uma resposta bem longa.\n\n`)
const SUMMARY = ['- Cliente quer uma proposta.\n', '- Prazo: sexta-feira.\n', '- Contato por e-mail.\n', '- Próximo passo: enviar a proposta.\n', '- Reunião a combinar.']
const STREAMING = '[data-test="message-agent"][data-status="streaming"]'
const REPLIED = '[data-test="message-agent"][data-status="sent"]'
let model
let backend
let browser

/** Days ahead of today in the calendar's time zone: tomorrow, as the model reads "amanhã". */
function daysFromToday(n) {
  const today = new Date(new Date().toLocaleString('en-US', { timeZone: 'America/Sao_Paulo' }))
  return new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate() + n))
}
const tomorrow = () => daysFromToday(1).toISOString().slice(0, 10)
/** The next working day after today (a model proposing a day with room left in it). */
function nextWorkday() {
  let n = 1
  while ([0, 6].includes(daysFromToday(n).getUTCDay())) n += 1
  return daysFromToday(n).toISOString().slice(0, 10)
}

before(async () => {
  model = await startModelServer({
    // The summary request's user turn is the transcript ("user: ..."). The SDR has tools:
    // the model files the task (`create_task`) and opens the picker (`open_slot_picker`)
    // itself, then answers once their results are back.
    script: (text, body) => {
      if (text.startsWith('user:')) return SUMMARY
      const offered = (body.tools ?? []).map((t) => t.function?.name)
      if (body.messages?.at(-1)?.role !== 'tool') {
        if (offered.includes('create_task') && /me lembre/i.test(text)) return [{ tool: 'create_task', arguments: { title: 'Enviar a proposta' } }]
        if (offered.includes('open_slot_picker') && /agendar/i.test(text)) return [{ tool: 'open_slot_picker', arguments: { date: /amanh/i.test(text) ? tomorrow() : nextWorkday() } }]
      }
      return /longa/i.test(text) ? LONG : GREETING
    },
    delayMs: 40,
  })
  // The server's default working days (Monday to Friday) are what the picker must offer.
  backend = await startBackend({ OPENAI_API_KEY: 'x', OPENAI_BASE_URL: model.url })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
})

async function newPage(options = {}) {
  const context = await browser.newContext({ ...DESKTOP, locale: 'pt-BR', ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(30_000)
  return { context, page }
}

async function openChat(page, agentKey = 'sdr') {
  await page.goto(`${backend.url}/chat/${agentKey}/default`)
  await page.getByTestId('composer').locator('textarea').first().waitFor()
}

const themeOf = (page) => page.evaluate(() => (document.querySelector('.v-application')?.className.match(/v-theme--(\w+)/) ?? [])[1])
const height = (locator) => locator.evaluate((el) => el.getBoundingClientRect().height)

/** A control of the chat header: on a phone it sits in the header's overflow menu. */
async function headerControl(page, testId, phone) {
  if (phone) await page.getByTestId('chat-tools').click()
  const control = page.getByTestId(testId).filter({ visible: true }).first()
  await control.waitFor()
  return control
}

describe('comfort', () => {
  test('the theme follows the system, live, until the person picks one, which survives a reload', async () => {
    const { context, page } = await newPage({ colorScheme: 'dark', locale: 'en-US' })
    await page.goto(`${backend.url}/login`)
    await page.getByTestId('auth-submit').waitFor()
    assert.equal(await themeOf(page), 'dark', 'a dark system gets the dark theme from the first page')
    const background = await page.evaluate(() => getComputedStyle(document.querySelector('.login-bg')).backgroundImage)
    assert.ok(!background.includes('232, 234, 246'), `no light gradient behind the dark login: ${background}`)
    await signUp(page, backend.url)
    await page.emulateMedia({ colorScheme: 'light' })
    await page.waitForFunction(() => document.querySelector('.v-application')?.classList.contains('v-theme--light'))
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.waitForFunction(() => document.querySelector('.v-application')?.classList.contains('v-theme--dark'))
    const main = await page.evaluate(() => getComputedStyle(document.querySelector('.v-application')).backgroundColor)
    assert.equal(main, 'rgb(18, 19, 24)', 'the dark background really is dark')

    // The switch overrides the system, and a reload keeps the choice.
    await page.getByTestId('theme').click()
    await page.getByTestId('theme-light').click()
    assert.equal(await themeOf(page), 'light')
    await page.reload()
    await page.getByTestId('theme').waitFor()
    assert.equal(await themeOf(page), 'light', 'the choice survives a reload on a dark system')
    await page.emulateMedia({ colorScheme: 'dark' })
    assert.equal(await themeOf(page), 'light', 'a chosen theme ignores the system')
    // Back to following the system.
    await page.getByTestId('theme').click()
    await page.getByTestId('theme-system').click()
    assert.equal(await themeOf(page), 'dark')
    assert.equal(await page.evaluate(() => localStorage.getItem('agents.theme')), null)
    await context.close()
  })

  test('the favicon links resolve to images, on the app and on the visitor page', async () => {
    const { context, page } = await newPage()
    await page.goto(`${backend.url}/login`)
    const hrefs = await page.evaluate(() => [...document.querySelectorAll('link[rel~="icon"], link[rel="apple-touch-icon"]')].map((l) => l.href))
    assert.ok(hrefs.some((h) => h.endsWith('.svg')) && hrefs.some((h) => h.endsWith('.png')), `an SVG and a PNG: ${hrefs}`)
    for (const href of hrefs) {
      const response = await context.request.get(href)
      assert.equal(response.status(), 200, href)
      assert.match(response.headers()['content-type'], /^image\/(svg\+xml|png)/, href)
    }
    const visitorPage = await (await context.request.get(`${backend.url}/visitor.html`)).text()
    assert.match(visitorPage, /<link rel="icon" href="\/favicon\.svg"/, 'the share page and widget panel carry it too')
    await context.close()
  })

  test('on a phone one compact bar and a one-line chat header leave the conversation the screen', async () => {
    const { context, page } = await newPage(PHONE)
    await signUp(page, backend.url)
    await openChat(page)
    await sendMessage(page, 'Olá')
    await page.locator(REPLIED).first().waitFor()
    await page.getByTestId('suggestion').first().waitFor()
    const appBar = await height(page.locator('.v-app-bar'))
    const header = await height(page.getByTestId('chat-header'))
    const messages = await height(page.getByTestId('messages'))
    const chrome = 844 - messages
    // Measured before this change: app bar 56 + contact row 48 + chat header 188 + composer
    // with two rows of suggestions 139 = 431 px of 844. Now: 48 + 48 + 48 + composer with
    // one sideways-scrolling row of suggestions (~105) ≈ 250; 300 leaves room for a font's
    // line height without letting a second header row (or a wrapped control) back in.
    console.log(`phone 390x844: app bar ${appBar}px, chat header ${header}px, messages ${messages}px, chrome ${chrome}px`)
    assert.ok(appBar <= 48, `app bar ${appBar}px`)
    assert.ok(header <= 48, `chat header ${header}px`)
    assert.ok(chrome <= 300, `header + composer take ${chrome}px of 844`)
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1), false, 'no sideways scrolling')
    // The header's controls are in its menu, each with its name.
    await page.getByTestId('chat-tools').click()
    for (const id of ['tasks-button', 'summary-button', 'book-button', 'auto-create']) {
      await page.getByTestId(id).filter({ visible: true }).first().waitFor()
    }
    await page.waitForTimeout(300) // the menu's fade, for the screenshot
    await shot(page, 'comfort-phone-tools-menu')
    await page.keyboard.press('Escape')
    await context.close()
  })

  for (const [name, options, phone] of [['desktop', DESKTOP, false], ['phone', PHONE, true]]) {
    test(`the summary and the task list open at a usable height and show their content (${name})`, async () => {
      const { context, page } = await newPage(options)
      await signUp(page, backend.url)
      await openChat(page)
      const autoCreate = await headerControl(page, 'auto-create', phone)
      await autoCreate.locator('input').check()
      await page.waitForFunction(() => [...document.querySelectorAll('[data-test="auto-create"] input')].some((i) => i.checked))
      if (phone) await page.keyboard.press('Escape')
      await sendMessage(page, 'Me lembre de enviar a proposta sexta')
      await page.locator(REPLIED).first().waitFor()

      await (await headerControl(page, 'tasks-button', phone)).click()
      const tasks = page.getByTestId('tasks-panel')
      await tasks.waitFor()
      const task = tasks.getByTestId('task').first()
      await task.waitFor()
      assert.match(await task.innerText(), /proposta/i)
      assert.ok((await height(task)) >= 40, `a task row is ${await height(task)}px tall`)
      assert.ok((await height(tasks)) >= 300, `the task sheet is ${await height(tasks)}px tall`)
      await page.waitForTimeout(300) // the sheet's slide, for the screenshot
      await shot(page, `comfort-tasks-${name}`)
      await tasks.getByTestId('panel-close').click()
      await tasks.waitFor({ state: 'detached' }).catch(() => {}) // the sheet stays mounted, hidden

      await (await headerControl(page, 'summary-button', phone)).click()
      const summary = page.getByTestId('summary-panel')
      const text = summary.getByTestId('summary-text')
      await text.waitFor()
      assert.match(await text.innerText(), /Próximo passo: enviar a proposta/)
      const shown = await text.evaluate((el) => ({ height: el.getBoundingClientRect().height, clipped: el.scrollHeight > el.clientHeight + 1 }))
      assert.ok(shown.height >= 5 * 18 && !shown.clipped, `all five lines of the summary show: ${JSON.stringify(shown)}`)
      assert.ok((await height(summary)) >= 300, `the summary sheet is ${await height(summary)}px tall`)
      await page.waitForTimeout(300)
      await shot(page, `comfort-summary-${name}`)
      await context.close()
    })
  }

  test('the slot picker: working days only, reasons by Confirm, reopened from the header with the e-mail kept', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openChat(page)
    await sendMessage(page, 'Quero agendar uma reunião amanhã às 15h, meu email é ana@example.com')
    const picker = page.getByTestId('slot-picker')
    await picker.waitFor()
    await page.locator('[data-test="slot"]').first().waitFor()
    const email = page.getByTestId('slot-email').locator('input')
    assert.equal(await email.inputValue(), 'ana@example.com')

    // Only Monday to Friday can be picked; the weekend's days are disabled.
    const enabled = await page.locator('[data-test="slot-date"] [data-v-date]').evaluateAll((els) => els.map((el) => el.getAttribute('data-v-date')))
    const weekday = (iso) => new Date(`${iso}T12:00:00Z`).getUTCDay()
    assert.ok(enabled.length > 0)
    assert.deepEqual(enabled.filter((iso) => [0, 6].includes(weekday(iso))), [], `no weekend offered: ${enabled}`)
    const weekendButtons = page.locator('[data-test="slot-date"] .v-date-picker-month__day--week-end button[disabled]')
    assert.ok((await weekendButtons.count()) > 0, 'weekend days are shown disabled')

    // A disabled Confirm says why, next to it.
    const reason = page.getByTestId('slot-confirm-reason')
    // The suggested time (15:00) may be chosen already (the group's selected class): unpick it.
    const chosen = page.locator('[data-test="slot"].bg-primary')
    if (await chosen.count()) await chosen.first().click()
    await reason.filter({ hasText: 'Escolha um horário para confirmar' }).waitFor()
    assert.equal(await page.getByTestId('slot-confirm').isDisabled(), true)
    await page.locator('[data-test="slot"]').first().click()
    await email.fill('')
    await reason.filter({ hasText: 'Informe seu e-mail para confirmar' }).waitFor()
    await email.fill('ana@')
    await reason.filter({ hasText: 'Informe um e-mail válido para confirmar' }).waitFor()
    await email.fill('outra@example.com')
    await reason.waitFor({ state: 'detached' })
    assert.equal(await page.getByTestId('slot-confirm').isDisabled(), false)
    await shot(page, 'comfort-slot-picker')

    // Cancel, then "Book a meeting" in the header opens it again with what was typed.
    await page.getByTestId('slot-cancel').click()
    await picker.waitFor({ state: 'detached' })
    await page.getByTestId('book-button').click()
    await picker.waitFor()
    assert.equal(await email.inputValue(), 'outra@example.com', 'the reopened picker keeps the e-mail')
    await page.locator('[data-test="slot"]').first().click()
    await page.getByTestId('slot-confirm').click()
    await page.getByTestId('booking-confirmed').waitFor()
    await context.close()
  })

  test('on a phone the "slot just taken" warning shows by the Confirm button, on screen', async () => {
    const { context, page } = await newPage(PHONE)
    await signUp(page, backend.url)
    await openChat(page)
    const slotsLoaded = page.waitForResponse((r) => r.url().includes('/calendar/available-slots') && r.status() === 200)
    await sendMessage(page, 'Quero agendar uma reunião, meu email é ana@example.com')
    const date = new URL((await slotsLoaded).url()).searchParams.get('date')
    const slots = page.locator('[data-test="slot"]')
    await slots.first().waitFor()
    const wanted = slots.last() // the lowest on the screen: the list is long
    const time = (await wanted.innerText()).trim().slice(0, 5)
    await wanted.click()
    const rival = await apiUser(backend.url)
    const booked = await rival.socket.timeout(15_000).emitWithAck('agent:schedule-confirm', {
      agentKey: 'sdr', contactId: 'rival', date, time, email: 'rival@example.com', phone: '',
    })
    rival.socket.disconnect()
    assert.equal(booked.ok, true, JSON.stringify(booked))
    await page.getByTestId('slot-confirm').click()
    const refusal = page.getByTestId('slot-refusal')
    await refusal.waitFor()
    const box = await refusal.boundingBox()
    assert.ok(box && box.y >= 0 && box.y + box.height <= 844, `the warning is on screen: ${JSON.stringify(box)}`)
    const confirm = await page.getByTestId('slot-confirm').boundingBox()
    assert.ok(confirm && Math.abs(confirm.y - box.y) < 200, 'the warning sits by the Confirm button')
    await shot(page, 'comfort-slot-taken-phone')
    await context.close()
  })

  test('the bot form offers the allowed models as a list, and saves the one chosen', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    const offered = await page.evaluate(async () => {
      const { accessToken } = JSON.parse(localStorage.getItem('agents.session'))
      const res = await fetch('/custom-bots/models', { headers: { authorization: `Bearer ${accessToken}` } })
      return res.json()
    })
    await page.goto(`${backend.url}/bots`)
    await page.getByTestId('new-bot').click()
    await page.getByTestId('bot-name').locator('input').fill('Modelo Escolhido')
    await page.getByTestId('bot-prompt').locator('textarea').first().fill('Você é um assistente objetivo e educado.')
    const specialties = page.getByTestId('bot-specialties').locator('input')
    await specialties.fill('vendas')
    await specialties.press('Enter')
    await page.getByTestId('bot-model').click()
    const options = page.getByRole('option')
    await options.first().waitFor()
    const titles = (await options.allInnerTexts()).map((t) => t.trim())
    assert.equal(titles[0], `Padrão do servidor (${offered.default})`)
    assert.deepEqual(titles.slice(1), offered.models)
    await shot(page, 'comfort-bot-models')
    await options.filter({ hasText: /^gpt-4o$/ }).click()
    await page.getByTestId('bot-save').click()
    await page.getByTestId('bot-creator').waitFor({ state: 'detached' })
    const saved = await page.evaluate(async () => {
      const { accessToken } = JSON.parse(localStorage.getItem('agents.session'))
      const res = await fetch('/custom-bots', { headers: { authorization: `Bearer ${accessToken}` } })
      return (await res.json()).bots
    })
    assert.equal(saved.find((b) => b.name === 'Modelo Escolhido')?.model, 'gpt-4o')
    await context.close()
  })

  test('a long streamed reply keeps the view at the bottom, unless the reader scrolled up', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openChat(page)
    const list = page.getByTestId('messages')
    const gap = () => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)
    const textLength = () => page.locator(`${STREAMING}, ${REPLIED}`).last().innerText().then((t) => t.length)

    await sendMessage(page, 'Quero uma resposta longa')
    await page.locator(STREAMING).waitFor()
    // Following: the list grows past the screen and the view stays at its end.
    await list.evaluate((el) => new Promise((ok) => {
      const check = () => (el.scrollHeight > el.clientHeight * 2 ? ok() : setTimeout(check, 50))
      check()
    }))
    assert.ok((await gap()) < 80, `following the stream: ${await gap()}px from the bottom`)

    // The reader scrolls up mid-stream: more text comes, the view stays where they are.
    // Well above the 80 px that still counts as "at the bottom" (the list is at least two
    // screens tall by now).
    await list.evaluate((el) => { el.scrollTop = el.scrollHeight - el.clientHeight - 300 })
    const readingAt = await list.evaluate((el) => el.scrollTop)
    const before = await textLength()
    await page.waitForFunction(([s, n]) => (document.querySelectorAll(s)[0]?.textContent.length ?? 0) > n + 200, [STREAMING, before])
    assert.equal(await list.evaluate((el) => el.scrollTop), readingAt, 'not pulled down while reading')
    const jump = page.getByTestId('jump-to-bottom')
    await jump.waitFor()
    await shot(page, 'comfort-new-messages')
    await jump.click()
    assert.ok((await gap()) < 80, 'the button brings the view to the end')
    await jump.waitFor({ state: 'detached' })
    await page.locator(REPLIED).last().waitFor()
    await context.close()
  })

  test('screenshots: login, chat and bots on desktop and phone, in both languages and themes', async () => {
    const combos = []
    for (const size of ['desktop', 'phone']) {
      for (const locale of ['pt-BR', 'en-US']) {
        for (const colorScheme of ['light', 'dark']) combos.push({ size, locale, colorScheme })
      }
    }
    for (const { size, locale, colorScheme } of combos) {
      const name = `${size}-${locale === 'en-US' ? 'en' : 'pt'}-${colorScheme}`
      const { context, page } = await newPage({ ...(size === 'phone' ? PHONE : DESKTOP), locale, colorScheme })
      await page.goto(`${backend.url}/login`)
      await page.getByTestId('auth-submit').waitFor()
      assert.equal(await themeOf(page), colorScheme)
      await shot(page, `comfort-${name}-login`)
      await signUp(page, backend.url)
      await openChat(page)
      await sendMessage(page, locale === 'en-US' ? 'Hello!' : 'Olá!')
      await page.locator(REPLIED).first().waitFor()
      await page.getByTestId('suggestion').first().waitFor()
      await shot(page, `comfort-${name}-chat`)
      await page.goto(`${backend.url}/bots`)
      await page.getByTestId('new-bot').waitFor()
      await page.waitForTimeout(300)
      await shot(page, `comfort-${name}-bots`)
      await context.close()
    }
  })
})
