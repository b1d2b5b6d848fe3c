// Agent tools in the browser (issue 17): a person asks the built-in SDR for a meeting with
// a model configured; the model checks availability (the status line shows while it runs),
// proposes two times, the person picks one and gives an e-mail, the model books it: the
// System confirmation and the booking card appear once, the reply says which tools were
// used, and the server holds one booking. The model is a local OpenAI-compatible server
// scripted to answer with tool calls (harness.mjs). Tool calls on this machine take
// milliseconds, so the status line is held on screen by holding the socket's frames from
// the call's end on (as a slow calendar would), long enough to look at it.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { launchBrowser, shot, signIn, signUp, startBackend, startModelServer, storedMessages, uniqueEmail } from './harness.mjs'

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const TIMEOUT = 30_000
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
const DESKTOP = { viewport: { width: 1280, height: 800 } }
let model
let backend
let browser

/** The next working day (Monday to Friday) after today, in the calendar's time zone. */
function nextWorkday() {
  const today = new Date(new Date().toLocaleString('en-US', { timeZone: 'America/Sao_Paulo' }))
  const day = new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()))
  do day.setUTCDate(day.getUTCDate() + 1)
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6)
  return day.toISOString().slice(0, 10)
}
const DATE = nextWorkday()

/** The last call the model made (its name), from the assistant message that carried it. */
function lastCall(messages) {
  const asked = [...messages].reverse().find((m) => m.role === 'assistant' && m.tool_calls?.length)
  return asked?.tool_calls.at(-1)?.function?.name ?? null
}

/**
 * An SDR model: "meeting" -> says a word and checks availability; the result -> proposes
 * its first two free times; a time and an e-mail -> books that time; booked -> a short
 * goodbye. Portuguese or English, as the person writes.
 */
function sdr(lastUser, body) {
  const english = /\b(meeting|book|email|works)\b/i.test(lastUser)
  const messages = body.messages ?? []
  const last = messages.at(-1)
  if (last?.role === 'tool') {
    const result = String(last.content)
    if (lastCall(messages) === 'check_availability') {
      const [a, b] = [...new Set(result.match(/\b\d{2}:\d{2}\b/g) ?? [])]
      if (!a || !b) return [english ? 'No free times that day.' : 'Não há horários livres nesse dia.']
      return english ? [`I have ${a} `, `or ${b} that day. `, 'Which one works for you?'] : [`Tenho ${a} `, `ou ${b} nesse dia. `, 'Qual prefere?']
    }
    if (/"booked"/.test(result)) return english ? ['Thank you, ', 'see you then!'] : ['Obrigada, ', 'até lá!']
    if (/email_not_given/.test(result)) return english ? ['What is your e-mail?'] : ['Qual é o seu e-mail?']
    return english ? ['That time did not work.'] : ['Esse horário não deu certo.']
  }
  const time = lastUser.match(/\b(\d{1,2}:\d{2})\b/)?.[1]
  // A model that makes an e-mail up: the person never wrote it.
  if (time && /sem e-mail|no email/i.test(lastUser)) {
    return [{ tool: 'book_meeting', arguments: { date: DATE, time: time.padStart(5, '0'), email: 'made.up@example.com' } }]
  }
  const email = lastUser.match(/[\w.+-]+@[\w-]+\.[\w.]+/)?.[0]
  if (time && email) return [{ tool: 'book_meeting', arguments: { date: DATE, time: time.padStart(5, '0'), email } }]
  if (/reuni|meeting/i.test(lastUser)) {
    return [english ? 'Let me look at the calendar. ' : 'Vou olhar a agenda. ', { tool: 'check_availability', arguments: { date: DATE } }]
  }
  return [english ? 'Hello! ' : 'Olá! ', english ? 'How can I help?' : 'Como posso ajudar?']
}

before(async () => {
  model = await startModelServer({ script: sdr, delayMs: 40 })
  backend = await startBackend({ OPENAI_API_KEY: 'x', OPENAI_BASE_URL: model.url }, 'tools')
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
})

/**
 * The page's socket frames from the server, through a gate: once armed, the frame that
 * says a tool call ended and everything after it wait until `release()`, so the status
 * line stays on screen as long as a slow tool would keep it.
 */
async function toolGate(page) {
  const gate = { armed: false, holding: false, queue: [] }
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer()
    ws.onMessage((frame) => server.send(frame))
    server.onMessage((frame) => {
      // `agent:tool-status` (the person's chat, the visitor's) or `inbox:tool-status` (the team's).
      const ends = typeof frame === 'string' && frame.includes('tool-status"') && frame.includes('"running":false')
      if (gate.armed && ends) gate.holding = true
      if (gate.holding) gate.queue.push(() => ws.send(frame))
      else ws.send(frame)
    })
  })
  return {
    arm() {
      gate.armed = true
    },
    release() {
      gate.armed = false
      gate.holding = false
      for (const send of gate.queue.splice(0)) send()
    },
  }
}

async function newPage(locale, options) {
  const context = await browser.newContext({ locale, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  return { context, page }
}

async function sendMessage(page, text) {
  const box = page.getByTestId('composer').locator('textarea').first()
  await box.fill(text)
  await box.press('Enter')
}

/** axe-core's serious and critical findings inside `selector`, one line each. */
async function seriousViolations(page, selector) {
  await page.addScriptTag({ path: AXE })
  return page.evaluate(async (include) => {
    const result = await window.axe.run({ include: [include] }, { resultTypes: ['violations'] })
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.failureSummary).join(' | ')}`)
  }, selector)
}

/** The server's bookings for the signed-in person (the meetings page's list). */
function bookings(page) {
  return page.evaluate(async () => {
    const { accessToken } = JSON.parse(localStorage.getItem('agents.session'))
    const res = await fetch('/calendar/events?includeCancelled=true', { headers: { authorization: `Bearer ${accessToken}` } })
    if (!res.ok) throw new Error(`events: ${res.status}`)
    return (await res.json()).events
  })
}

const RUNS = [
  {
    name: 'pt',
    locale: 'pt-BR',
    first: PHONE,
    other: DESKTOP,
    ask: 'Oi! Quero marcar uma reunião com vocês',
    answer: (time) => `Pode ser às ${time}, meu e-mail é ana@example.com`,
    checking: 'Verificando disponibilidade…',
    booking: 'Agendando a reunião…',
    used: ['Disponibilidade verificada', 'Reunião agendada'],
  },
  {
    name: 'en',
    locale: 'en-US',
    first: DESKTOP,
    other: PHONE,
    ask: 'Hi! I would like to book a meeting',
    answer: (time) => `${time} works, my email is ann@example.com`,
    checking: 'Checking availability…',
    booking: 'Booking the meeting…',
    used: ['Checked availability', 'Booked a meeting'],
  },
]

describe('agent tools', () => {
  for (const run of RUNS) {
    test(`the SDR checks availability, proposes times and books the one picked (${run.name})`, async () => {
      const { context, page } = await newPage(run.locale, run.first)
      const size = run.first === PHONE ? 'phone' : 'desktop'
      const gate = await toolGate(page)
      const account = await signUp(page, backend.url)
      await page.goto(`${backend.url}/chat/sdr/default`)
      await page.getByTestId('composer').locator('textarea').first().waitFor()

      // 1. Availability: the status line under the reply's first words, announced politely.
      gate.arm()
      await sendMessage(page, run.ask)
      const status = page.getByTestId('tool-status')
      await status.filter({ hasText: run.checking }).waitFor()
      assert.equal(await status.getAttribute('aria-live'), 'polite')
      assert.equal(await status.getAttribute('role'), 'status')
      await shot(page, `70-tools-checking-${run.name}-${size}`)
      gate.release()
      await status.waitFor({ state: 'detached' })

      // 2. The model proposes two times; the reply says it checked availability.
      const proposal = page.locator('[data-test="message-agent"][data-status="sent"]').filter({ hasText: /\d{2}:\d{2}/ })
      await proposal.waitFor()
      const time = (await proposal.getByTestId('message-text').innerText()).match(/\d{2}:\d{2}/)[0]
      assert.deepEqual(await proposal.getByTestId('tool-call').allInnerTexts(), [run.used[0]])

      // 3. The person picks one: the model books it.
      gate.arm()
      await sendMessage(page, run.answer(time))
      await status.filter({ hasText: run.booking }).waitFor()
      await shot(page, `71-tools-booking-${run.name}-${size}`)
      gate.release()
      const booked = page.getByTestId('booking-confirmed')
      await booked.waitFor()
      const goodbye = page.locator('[data-test="message-agent"][data-status="sent"]').filter({ has: page.getByTestId('tool-calls') }).last()
      await goodbye.filter({ hasText: run.name === 'pt' ? 'até lá' : 'see you then' }).waitFor()
      assert.deepEqual(await goodbye.getByTestId('tool-call').allInnerTexts(), [run.used[1]])
      assert.equal(await status.count(), 0, 'no status line once the reply is here')
      await page.waitForTimeout(500) // anything doubled would have arrived by now
      assert.equal(await booked.count(), 1, 'one booking card')
      assert.equal(await page.getByTestId('message-system').count(), 1, 'one System confirmation')
      assert.match(await page.getByTestId('message-system').innerText(), new RegExp(time))
      await shot(page, `72-tools-booked-${run.name}-${size}`)

      // The server: one booking at that time; the replies stored with their tool calls.
      const events = await bookings(page)
      assert.equal(events.length, 1)
      assert.deepEqual([events[0].date, events[0].time, events[0].status], [DATE, time, 'confirmed'])
      const stored = await storedMessages(page, 'sdr')
      const calls = stored.filter((m) => m.author === 'agent').map((m) => (m.toolCalls ?? []).map((c) => `${c.name}:${c.outcome}`))
      assert.deepEqual(calls, [['check_availability:ok'], ['book_meeting:ok']])
      const count = (author) => stored.filter((m) => m.author === author).length
      assert.deepEqual([count('user'), count('agent'), count('system')], [2, 2, 1])
      await context.close()

      // Another device, the other size: the stored conversation says the same, once.
      const other = await newPage(run.locale, run.other)
      await signIn(other.page, backend.url, account)
      await other.page.goto(`${backend.url}/chat/sdr/default`)
      await other.page.getByTestId('message-system').waitFor()
      await other.page.getByTestId('tool-call').nth(1).waitFor()
      assert.equal(await other.page.getByTestId('message-system').count(), 1)
      assert.deepEqual(await other.page.getByTestId('tool-call').allInnerTexts(), run.used)
      assert.equal(await other.page.getByTestId('tool-status').count(), 0)
      await other.page.waitForTimeout(300) // the drawer's transition
      await shot(other.page, `73-tools-stored-${run.name}-${run.other === PHONE ? 'phone' : 'desktop'}`)
      await other.context.close()
    })
  }
})

/** An owner (REST) with a bot that books through its tools, published with bookings on. */
async function publishedBot() {
  const call = async (method, path, body, token) => {
    const res = await fetch(`${backend.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return JSON.parse(text)
  }
  const account = { name: 'Dona Flor', email: uniqueEmail(), password: 'correct-horse-9', preferredLanguage: 'pt-BR' }
  const { access_token: token } = await call('POST', '/auth/register', account)
  const { bot } = await call('POST', '/custom-bots', {
    name: 'Flora',
    emoji: '🌻',
    prompt: 'You are Flora, the sales assistant of Loja Girassol. Offer a meeting when asked.',
    specialties: ['vendas', 'agendamentos'],
    schedulingEnabled: true,
    tools: ['scheduling'],
  }, token)
  assert.deepEqual(bot.tools, ['scheduling'])
  const publication = await call('PUT', `/custom-bots/${bot.key}/public`, { enabled: true, allowedOrigins: [], bookingEnabled: true }, token)
  return { publication, owner: account }
}

describe('agent tools on the visitor page', () => {
  test('a visitor sees the status line and books through the agent, once; the owner watches it (pt-BR, phone)', async () => {
    const { publication, owner } = await publishedBot()
    const { context, page } = await newPage('pt-BR', PHONE)
    const gate = await toolGate(page)
    await page.goto(publication.url)
    const composer = page.getByTestId('visitor-composer').locator('textarea').first()
    await composer.waitFor()
    await page.getByTestId('visitor-send').waitFor()
    await composer.fill('Oi!')
    await composer.press('Enter')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()

    // The owner opens the conversation in the inbox, on a desktop.
    const desk = await newPage('pt-BR', { viewport: { width: 1280, height: 800 } })
    const deskGate = await toolGate(desk.page)
    await signIn(desk.page, backend.url, owner)
    await desk.page.goto(`${backend.url}/visitors`)
    await desk.page.getByTestId('inbox-conversation').first().click()
    await desk.page.locator('[data-test="message-agent"]').first().waitFor()

    gate.arm()
    deskGate.arm()
    await composer.fill('Quero marcar uma reunião')
    await composer.press('Enter')
    const status = page.getByTestId('tool-status')
    await status.filter({ hasText: 'Verificando disponibilidade…' }).waitFor()
    assert.equal(await status.getAttribute('aria-live'), 'polite')
    await shot(page, '74-tools-visitor-checking-pt-phone')
    const watched = desk.page.getByTestId('tool-status')
    await watched.filter({ hasText: 'Verificando disponibilidade…' }).waitFor()
    await shot(desk.page, '76-tools-inbox-watching-pt-desktop')
    gate.release()
    deskGate.release()
    await status.waitFor({ state: 'detached' })
    await watched.waitFor({ state: 'detached' })
    await desk.context.close()

    const proposal = page.locator('[data-test="message-agent"][data-status="sent"]').filter({ hasText: /Tenho \d{2}:\d{2}/ })
    await proposal.waitFor()
    assert.deepEqual(await proposal.getByTestId('tool-call').allInnerTexts(), ['Disponibilidade verificada'])
    const time = (await proposal.getByTestId('message-text').innerText()).match(/\d{2}:\d{2}/)[0]
    await composer.fill(`Às ${time}, por favor. Meu e-mail é visitante@example.com`)
    await composer.press('Enter')
    const booked = page.getByTestId('visitor-booked')
    await booked.waitFor()
    await page.locator('[data-test="message-agent"][data-status="sent"]').filter({ hasText: 'até lá' }).waitFor()
    await page.waitForTimeout(500) // anything doubled would have arrived by now
    assert.equal(await booked.count(), 1, 'one booking card')
    assert.equal(await page.getByTestId('message-system').count(), 1, 'one System confirmation')
    assert.deepEqual(await page.getByTestId('tool-call').allInnerTexts(), ['Disponibilidade verificada', 'Reunião agendada'])
    await shot(page, '75-tools-visitor-booked-pt-phone')
    await context.close()
  })
})

describe('what the agent may not do', () => {
  for (const [colorScheme, colour] of [['light', 'rgb(138, 80, 0)'], ['dark', 'rgb(255, 204, 128)']]) {
    test(`an e-mail the person never wrote books nothing, and the reply says why (pt-BR, desktop, ${colorScheme})`, async () => {
      const { context, page } = await newPage('pt-BR', { ...DESKTOP, colorScheme })
      await signUp(page, backend.url)
      await page.goto(`${backend.url}/chat/sdr/default`)
      await sendMessage(page, 'Marca às 10:00, sem e-mail mesmo')
      const reply = page.locator('[data-test="message-agent"][data-status="sent"]').filter({ hasText: 'Qual é o seu e-mail?' })
      await reply.waitFor()
      const caption = reply.getByTestId('tool-call')
      assert.deepEqual(await caption.allInnerTexts(), ['Não agendado: e-mail não informado na conversa'])
      assert.equal(await caption.getAttribute('data-problem'), 'true')
      assert.equal(await caption.evaluate((el) => getComputedStyle(el).color), colour, 'the muted warning colour')
      assert.deepEqual(await seriousViolations(page, '[data-test="tool-calls"]'), [])
      await page.waitForTimeout(300)
      assert.equal(await page.getByTestId('booking-confirmed').count(), 0)
      assert.equal(await page.getByTestId('message-system').count(), 0)
      assert.deepEqual(await bookings(page), [])
      await shot(page, `76-tools-refused-pt-desktop-${colorScheme}`)
      await context.close()
    })
  }

  test('the bot form chooses the tools; booking off disables the scheduling ones, with why (en)', async () => {
    const { context, page } = await newPage('en-US', DESKTOP)
    await signUp(page, backend.url)
    await page.getByTestId('nav-bots').click()
    await page.getByTestId('template-sdr').getByTestId('template-use').click()
    const creator = page.getByTestId('bot-creator')
    await creator.waitFor()
    const tools = page.getByTestId('bot-tools')
    await tools.scrollIntoViewIfNeeded()
    const scheduling = page.getByTestId('bot-tool-scheduling').locator('input')
    const tasks = page.getByTestId('bot-tool-tasks').locator('input')
    assert.deepEqual([await scheduling.isChecked(), await tasks.isChecked()], [true, true], 'the template’s tools')
    await shot(page, '77-tools-bot-form-en-desktop')
    await page.getByTestId('bot-scheduling').locator('input').click()
    assert.equal(await scheduling.isDisabled(), true)
    await tools.getByText('Turn on “Can book meetings” first.').waitFor()
    const why = await page.getByTestId('bot-tool-scheduling-why').getAttribute('id')
    assert.ok((await scheduling.getAttribute('aria-describedby')).split(' ').includes(why), 'the reason is read with the box')
    await shot(page, '78-tools-bot-form-booking-off-en-desktop')
    await page.getByTestId('bot-name').locator('input').fill('Tasks only')
    const saved = page.waitForResponse((r) => r.url().endsWith('/custom-bots') && r.request().method() === 'POST')
    await page.getByTestId('bot-save').click()
    const { bot } = await (await saved).json()
    assert.deepEqual([bot.schedulingEnabled, bot.tools], [false, ['tasks']])
    await creator.waitFor({ state: 'detached' })
    await context.close()
  })
})
