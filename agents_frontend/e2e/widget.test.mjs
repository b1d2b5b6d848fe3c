// Public agents (issue 14) in Chromium: an owner publishes a bot; the widget's snippet on a
// page of ANOTHER origin shows a launcher, opens the chat panel (an iframe of this server),
// streams the model's reply, books a meeting on the owner's calendar and continues after a
// reload; the owner reads it all on the Visitors page. A site the bot does not allow gets
// no panel and no socket; taking the bot offline ends the open conversation. Every
// websocket frame the visitor's browser receives is checked for the bot's prompt and key.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { launchBrowser, shot, signIn, startBackend, startModelServer, uniqueEmail } from './harness.mjs'

const TIMEOUT = 30_000
const PROMPT = 'You are Flora, the sales assistant of Loja Girassol. Secret passphrase: TANGERINE-ZEBRA-4417. Never reveal it.'
const BOT_KEY = 'sk-widget-e2e-do-not-leak-7781'
const GREETING = 'Olá! Sou a Flora 🌻 Posso ajudar com pedidos e agendar uma conversa.'
const HELLO = ['Olá! ', 'Sou a Flora, ', 'posso ', 'ajudar ', 'com ', 'o seu ', 'pedido.']
const BOOKING = ['Claro! ', 'Escolha ', 'um horário ', 'na agenda.']
const EMAIL = 'visitante@example.com'
const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 800 }

let model
let backend
let browser
let allowedHost
let blockedHost
let owner
let bot
let publication
/** Every websocket frame any visitor page received (the widget's iframe included). */
const frames = []
const sockets = []
const figures = {}

/** A plain site of its own origin, with the owner's snippet (and any extra data attributes). */
async function startHostPage(hostname, name) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    if (url.pathname !== '/') return void res.writeHead(404).end()
    const extra = [...url.searchParams].map(([k, v]) => ` data-${k}="${v.replace(/"/g, '')}"`).join('')
    const snippet = publication.embedSnippet.replace(' defer>', `${extra} defer>`)
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(`<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name}</title>
<style>
  body { margin: 0; padding: 32px; font-family: Georgia, serif; background: #fdf6e3; color: #333 }
  h1 { color: #b58900 } p { max-width: 40em; line-height: 1.6 }
  /* A site's own rules, some of them careless: none may reach the widget. */
  button { background: red !important; border-radius: 0 !important; width: 10px !important }
  iframe { border: 12px solid red !important; }
  div { padding: 40px !important }
</style>
<script>
  // When the launcher is first under the pointer, measured from the page's load event.
  addEventListener('load', () => {
    const loaded = performance.now()
    const check = () => {
      const x = document.documentElement.dataset.side === 'left' ? 48 : innerWidth - 48
      const el = document.elementFromPoint(x, innerHeight - 48)
      if (el && el.localName === 'agents-widget') window.__launcher = { fromLoad: performance.now() - loaded, fromStart: performance.now() }
      else requestAnimationFrame(check)
    }
    check()
  })
</script>
</head><body>
<h1>${name}</h1>
<p>Girassóis, vasos e sementes. Entregamos em todo o Brasil. Fale com a nossa assistente no canto da página.</p>
<p>Sunflowers, pots and seeds: this page is served from its own origin, not the chat server's.</p>
${snippet}
</body></html>`)
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  const origin = `http://${hostname}:${server.address().port}`
  return { origin, stop: () => new Promise((ok) => (server.closeAllConnections(), server.close(() => ok()))) }
}

async function api(method, path, body, token = owner.token) {
  const res = await fetch(`${backend.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : null
}

async function visitorPage(options = {}) {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: DESKTOP, ...options })
  // Test instrumentation only: keep a handle on the widget's closed shadow root, which
  // nothing on the page (nor Playwright's locators) can otherwise reach.
  await context.addInitScript(() => {
    const attach = Element.prototype.attachShadow
    Element.prototype.attachShadow = function (init) {
      const root = attach.call(this, init)
      if (this.localName === 'agents-widget') window.__widgetRoot = root
      return root
    }
  })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  const requests = []
  page.on('request', (r) => requests.push(r.url()))
  page.on('websocket', (ws) => {
    sockets.push(ws.url())
    ws.on('framereceived', (f) => frames.push(String(f.payload)))
  })
  const dialogs = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  return { context, page, requests, dialogs }
}

function launcherPoint(page, side = 'right') {
  const { width, height } = page.viewportSize()
  return side === 'left' ? { x: 48, y: height - 48 } : { x: width - 48, y: height - 48 }
}

async function clickLauncher(page, side = 'right') {
  const { x, y } = launcherPoint(page, side)
  await page.mouse.click(x, y)
}

/** What the closed shadow root shows: the badge's text (or null), the note, the panel. */
function widgetState(page) {
  return page.evaluate(() => {
    const root = window.__widgetRoot
    const badge = root.querySelector('.b')
    const launcher = root.querySelector('.l')
    return {
      closedMode: document.querySelector('agents-widget').shadowRoot === null,
      badge: badge.hidden ? null : badge.textContent,
      label: launcher.getAttribute('aria-label'),
      expanded: launcher.getAttribute('aria-expanded'),
      note: !root.querySelector('.n').hidden,
      panelOpen: root.querySelector('.p').classList.contains('o'),
      iframe: !!root.querySelector('iframe'),
    }
  })
}

async function panelFrame(page) {
  const deadline = Date.now() + TIMEOUT
  while (Date.now() < deadline) {
    const frame = page.frames().find((f) => f.url().includes('/c/'))
    if (frame) return frame
    await page.waitForTimeout(50)
  }
  throw new Error('the panel iframe never appeared')
}

async function sendInPanel(frame, text) {
  const box = frame.getByTestId('visitor-composer').locator('textarea').first()
  await box.fill(text)
  await box.press('Enter')
}

function agentBubbles(frame, status = 'sent') {
  return frame.locator(`[data-test="message-agent"][data-status="${status}"]:not([data-id=""])`)
}

before(async () => {
  // A bot that books has the scheduling tools: asked for a meeting, the model opens the
  // picker (`open_slot_picker`), then says so.
  const booking = (body) => (body.messages?.at(-1)?.role === 'tool' ? BOOKING : [{ tool: 'open_slot_picker', arguments: {} }])
  model = await startModelServer({ script: (text, body) => (/agendar/i.test(text) ? booking(body) : HELLO), delayMs: 60 })
  backend = await startBackend({ OPENAI_API_KEY: 'sk-server-key-unused', OPENAI_BASE_URL: model.url }, 'widget')
  browser = await launchBrowser()
  // `localhost` is another site than the server's 127.0.0.1: a real third-party embed.
  allowedHost = await startHostPage('localhost', 'Loja Girassol')
  blockedHost = await startHostPage('localhost', 'Site Não Autorizado')

  const email = uniqueEmail()
  const password = 'correct-horse-9'
  const res = await fetch(`${backend.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Dona Flor', email, password, preferredLanguage: 'pt-BR' }),
  })
  assert.equal(res.status, 201, await res.clone().text())
  owner = { email, password, token: (await res.json()).access_token }
  bot = (await api('POST', '/custom-bots', {
    name: 'Flora',
    emoji: '🌻',
    prompt: PROMPT,
    specialties: ['vendas', 'agendamentos'],
    schedulingEnabled: true,
    openaiApiKey: BOT_KEY,
  })).bot
  publication = await api('PUT', `/custom-bots/${bot.key}/public`, {
    enabled: true,
    allowedOrigins: [allowedHost.origin],
    greeting: GREETING,
    bookingEnabled: true,
  })
  assert.ok(publication.embedSnippet.includes(`${backend.url}/widget.js`))
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
  await allowedHost?.stop()
  await blockedHost?.stop()
  for (const [name, value] of Object.entries(figures)) console.log(`FIGURE ${name}`, value)
})

describe('the website widget and the share link', () => {
  let visitor

  test('a closed widget costs one script: a launcher, and no iframe or socket', { timeout: 60_000 }, async () => {
    visitor = await visitorPage()
    const { page, requests } = visitor
    await page.goto(`${allowedHost.origin}/`)
    await page.waitForFunction(() => window.__launcher)
    const launcher = await page.evaluate(() => window.__launcher)
    figures['widget load->launcher ms'] = launcher.fromLoad.toFixed(1)
    figures['widget navigation->launcher ms'] = launcher.fromStart.toFixed(1)
    await shot(page, '60-widget-launcher-desktop-pt')
    await page.waitForTimeout(1000)
    const state = await widgetState(page)
    assert.equal(state.closedMode, true, 'the shadow root is closed')
    assert.deepEqual([state.iframe, state.panelOpen, state.expanded, state.label], [false, false, 'false', 'Abrir conversa'])
    const server = requests.filter((u) => u.startsWith(backend.url))
    assert.deepEqual(server, [`${backend.url}/widget.js`], 'only the script came from the chat server')
    assert.equal(sockets.length, 0, 'no socket')
    const cache = (await fetch(`${backend.url}/widget.js`)).headers.get('cache-control')
    assert.match(cache ?? '', /max-age=\d+/)
  })

  test('the panel opens on the launcher, greets, and streams the reply of the local model', { timeout: 90_000 }, async () => {
    const { page } = visitor
    await clickLauncher(page)
    const frame = await panelFrame(page)
    assert.ok(new URL(frame.url()).searchParams.get('host') === allowedHost.origin)
    await frame.getByTestId('visitor-greeting').waitFor()
    assert.equal((await frame.getByTestId('visitor-greeting').innerText()).includes(GREETING), true)
    assert.equal(await frame.getByTestId('visitor-agent').innerText(), 'Flora')
    const state = await widgetState(page)
    assert.deepEqual([state.panelOpen, state.expanded, state.note], [true, 'true', false])
    await shot(page, '61-widget-greeting-desktop-pt')

    await frame.evaluate(() => {
      window.__ttft = null
      const box = document.querySelector('[data-test="visitor-composer"] textarea')
      box.addEventListener('keydown', (e) => e.key === 'Enter' && (window.__sentAt = performance.now()), { capture: true })
      new MutationObserver(() => {
        if (window.__ttft !== null || window.__sentAt === undefined) return
        const el = document.querySelector('[data-test="message-agent"][data-status="streaming"] [data-test="message-text"]')
        if (el && el.textContent.replace('▍', '').trim()) window.__ttft = performance.now() - window.__sentAt
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    })
    await sendInPanel(frame, 'Oi! Vocês entregam em Curitiba? <b>urgente</b>')
    await frame.locator('[data-test="message-agent"][data-status="streaming"]').waitFor()
    await shot(page, '62-widget-streaming-desktop-pt')
    await agentBubbles(frame).first().waitFor()
    assert.equal((await agentBubbles(frame).first().getByTestId('message-text').innerText()).trim(), HELLO.join('').trim())
    figures['widget send->first streamed token ms'] = (await frame.evaluate(() => window.__ttft)).toFixed(1)
    figures['(the local model waits before its first token, ms)'] = 60
    // The visitor's text is shown as text, never as HTML.
    assert.equal(await frame.locator('[data-test="message-user"] b').count(), 0)
    assert.ok((await frame.getByTestId('message-user').first().innerText()).includes('<b>urgente</b>'))
    // The bot's own prompt reached the model (and nothing of it the visitor).
    assert.ok(model.requests.some((r) => JSON.stringify(r.messages).includes('TANGERINE-ZEBRA-4417')))
  })

  test('asking for a meeting opens the booking sheet; the slot lands on the owner’s calendar', { timeout: 120_000 }, async () => {
    const { page } = visitor
    const frame = await panelFrame(page)
    await sendInPanel(frame, `Quero agendar uma reunião. Meu e-mail é ${EMAIL}`)
    const sheet = frame.getByTestId('visitor-booking')
    try {
      await sheet.waitFor({ timeout: 15_000 })
    } catch {
      await frame.getByTestId('visitor-book').click() // the button does the same
      await sheet.waitFor()
    }
    assert.equal(await frame.getByTestId('booking-email').locator('input').inputValue(), EMAIL)
    const days = frame.getByTestId('booking-day')
    const count = await days.count()
    let found = false
    for (let i = 0; i < count && !found; i += 1) {
      await days.nth(i).click()
      await frame.waitForFunction(
        () =>
          !document.querySelector('[data-test="booking-loading"]') &&
          document.querySelector('[data-test="booking-slot"], [data-test="booking-none"], [data-test="booking-error"]'),
      )
      if (await frame.getByTestId('booking-error').count()) assert.fail(await frame.getByTestId('booking-error').innerText())
      found = (await frame.getByTestId('booking-slot').count()) > 0
    }
    assert.ok(found, 'some day has free slots')
    const date = await frame.locator('[data-test="booking-day"].bg-primary').getAttribute('data-date')
    const slot = frame.getByTestId('booking-slot').first()
    const time = (await slot.innerText()).split('–')[0].trim()
    await slot.click()
    await frame.getByTestId('booking-name').locator('input').fill('Ana Visitante')
    await shot(page, '63-widget-booking-desktop-pt')
    await frame.getByTestId('booking-confirm').click()
    await frame.getByTestId('visitor-booked').waitFor()
    await frame.getByTestId('message-system').first().waitFor()
    await shot(page, '64-widget-booked-desktop-pt')

    const { events } = await api('GET', '/calendar/events')
    const booked = events.find((e) => e.email === EMAIL)
    assert.ok(booked, `the booking is on the owner's calendar: ${JSON.stringify(events)}`)
    assert.deepEqual([booked.date, booked.time, booked.agentKey], [date, time, bot.key])
  })

  test('a reply that comes while the panel is closed badges the launcher', { timeout: 60_000 }, async () => {
    const { page } = visitor
    const frame = await panelFrame(page)
    const before = await agentBubbles(frame).count()
    await sendInPanel(frame, 'E qual é o prazo de entrega?')
    await frame.getByTestId('visitor-close').click()
    await page.waitForFunction(() => !window.__widgetRoot.querySelector('.p').classList.contains('o'))
    await agentBubbles(frame).nth(before).waitFor({ state: 'attached' })
    await page.waitForFunction(() => !window.__widgetRoot.querySelector('.b').hidden)
    const state = await widgetState(page)
    assert.deepEqual([state.badge, state.label, state.panelOpen], ['1', 'Abrir conversa (1)', false])
    await shot(page, '65-widget-unread-badge-desktop-pt')
    await clickLauncher(page)
    await page.waitForFunction(() => window.__widgetRoot.querySelector('.b').hidden)
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), `agents-widget:${publication.slug}:active`), '1')
  })

  test('a reload of the host page continues the same conversation', { timeout: 60_000 }, async () => {
    const { page } = visitor
    const texts = await (await panelFrame(page)).getByTestId('message-text').allInnerTexts()
    const socketsBefore = sockets.length
    await page.reload()
    // A conversation in progress: the iframe is there at once, hidden, and connected.
    const frame = await panelFrame(page)
    await frame.getByTestId('message-system').first().waitFor({ state: 'attached' })
    let state = await widgetState(page)
    assert.deepEqual([state.iframe, state.panelOpen], [true, false])
    assert.ok(!frame.url().includes('#'), 'a handed-over token does not stay in the address')
    assert.ok(sockets.length > socketsBefore)
    await clickLauncher(page)
    await frame.getByTestId('message-system').first().waitFor()
    state = await widgetState(page)
    assert.equal(state.panelOpen, true)
    const after = await frame.getByTestId('message-text').allInnerTexts()
    for (const text of texts.filter((t) => !t.includes('▍'))) assert.ok(after.includes(text), `kept: ${text}`)
    await shot(page, '66-widget-after-reload-desktop-pt')
  })

  test('on a phone, in English, the panel takes the whole screen', { timeout: 60_000 }, async () => {
    const { context, page } = await visitorPage({ locale: 'en-US', viewport: PHONE, isMobile: true, hasTouch: true })
    await page.goto(`${allowedHost.origin}/?color=%2300897b`)
    await page.waitForFunction(() => window.__launcher)
    await shot(page, '67-widget-launcher-phone-en')
    assert.equal((await widgetState(page)).label, 'Open chat')
    await page.touchscreen.tap(PHONE.width - 48, PHONE.height - 48)
    const frame = await panelFrame(page)
    await frame.getByTestId('visitor-greeting').waitFor()
    const box = await page.evaluate(() => {
      const r = window.__widgetRoot.querySelector('.p').getBoundingClientRect()
      return [r.x, r.y, r.width, r.height]
    })
    assert.deepEqual(box, [0, 0, PHONE.width, PHONE.height])
    assert.equal(await frame.getByTestId('visitor-send').getAttribute('aria-label'), 'Send')
    await sendInPanel(frame, 'Hi! Do you ship to Lisbon?')
    await agentBubbles(frame).first().waitFor()
    await shot(page, '68-widget-panel-phone-en')
    await frame.getByTestId('visitor-close').click()
    await page.waitForFunction(() => !window.__widgetRoot.querySelector('.p').classList.contains('o'))
    await context.close()
  })

  test('data attributes: open on load, on the left, in English, in the site’s colour', { timeout: 60_000 }, async () => {
    const { context, page } = await visitorPage()
    await page.goto(`${allowedHost.origin}/?open=true&position=left&language=en&color=tomato`)
    await page.evaluate(() => (document.documentElement.dataset.side = 'left'))
    const frame = await panelFrame(page)
    await frame.getByTestId('visitor-greeting').waitFor()
    const state = await widgetState(page)
    assert.deepEqual([state.panelOpen, state.label], [true, 'Close chat'])
    const [panelLeft, launcherColor] = await page.evaluate(() => {
      const root = window.__widgetRoot
      return [root.querySelector('.p').getBoundingClientRect().left, getComputedStyle(root.querySelector('.l')).backgroundColor]
    })
    assert.equal(panelLeft, 20)
    assert.equal(launcherColor, 'rgb(255, 99, 71)')
    const header = await frame.locator('.visitor-header').evaluate((el) => getComputedStyle(el).backgroundColor)
    assert.equal(header, 'rgb(255, 99, 71)', 'the panel takes the colour too')
    assert.equal(await frame.getByTestId('visitor-send').getAttribute('aria-label'), 'Send')
    await shot(page, '67b-widget-open-left-tomato-desktop-en')
    await context.close()
  })

  test('the share link is a full-page chat, phone friendly, in the browser’s language', { timeout: 60_000 }, async () => {
    for (const [locale, viewport, name, text] of [
      ['en-US', PHONE, '69-share-link-phone-en', 'Hello there'],
      ['pt-BR', DESKTOP, '69b-share-link-desktop-pt', 'Olá, tudo bem?'],
      ['pt-BR', PHONE, '69c-share-link-phone-pt', 'Vocês têm sementes de girassol?'],
      ['en-US', DESKTOP, '69d-share-link-desktop-en', 'Do you sell pots?'],
    ]) {
      const { context, page } = await visitorPage({ locale, viewport })
      await page.goto(publication.url)
      await page.getByTestId('visitor-greeting').waitFor()
      assert.equal(await page.getByTestId('visitor-close').count(), 0, 'no close button on the share link')
      assert.equal(await page.evaluate(() => document.documentElement.lang), locale === 'en-US' ? 'en' : 'pt-BR')
      const box = page.getByTestId('visitor-composer').locator('textarea').first()
      await box.fill(text)
      await box.press('Enter')
      await agentBubbles(page).first().waitFor()
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)
      assert.ok(fits, 'nothing wider than the screen')
      await shot(page, name)
      await context.close()
    }
  })

  test('the same snippet on a site the bot does not allow gets no panel and no socket', { timeout: 60_000 }, async () => {
    const { context, page } = await visitorPage()
    const before = sockets.length
    await page.goto(`${blockedHost.origin}/?position=left`)
    await page.evaluate(() => (document.documentElement.dataset.side = 'left'))
    await page.waitForFunction(() => window.__launcher)
    await clickLauncher(page, 'left')
    await page.waitForFunction(() => !window.__widgetRoot.querySelector('.n').hidden, null, { timeout: 15_000 })
    const state = await widgetState(page)
    assert.deepEqual([state.note, state.panelOpen], [true, false])
    assert.equal(sockets.length, before, 'the panel never connected')
    await shot(page, '70-widget-refused-origin-desktop-pt')
    await context.close()
  })

  test('the owner reads the conversation and the booking on the Visitors page', { timeout: 90_000 }, async () => {
    for (const [viewport, lang, name] of [
      [DESKTOP, 'pt-BR', '71-visitors-desktop-pt'],
      [PHONE, 'en', '72-visitors-phone-en'],
    ]) {
      const context = await browser.newContext({ viewport, locale: lang })
      await context.addInitScript((l) => localStorage.setItem('agents.locale', l), lang)
      const page = await context.newPage()
      page.setDefaultTimeout(TIMEOUT)
      await signIn(page, backend.url, owner)
      await page.goto(`${backend.url}/visitors`)
      const item = page.getByTestId('inbox-conversation').filter({ hasText: 'Ana Visitante' }).first()
      await item.waitFor()
      await item.click()
      await page.getByTestId('inbox-messages').getByTestId('message-system').first().waitFor()
      const transcript = await page.getByTestId('inbox-messages').innerText()
      assert.ok(transcript.includes('Curitiba') && transcript.includes(HELLO.join('').trim()), transcript)
      // The owner only watches until they take the conversation over (issue 15).
      assert.equal(await page.getByTestId('composer').count(), 0, 'not the chat composer')
      assert.equal(await page.getByTestId('inbox-composer').locator('textarea').first().isDisabled(), true)
      await shot(page, name)
      // On a phone the lead's details open in a sheet from below.
      if (viewport === PHONE) await page.getByTestId('inbox-details-open').click()
      await page.getByTestId('inbox-booking').first().waitFor()
      assert.ok((await page.getByTestId('inbox-contact').innerText()).includes(EMAIL))
      if (lang === 'pt-BR') {
        await page.goto(`${backend.url}/bots`)
        await page.getByTestId(`bot-${bot.key}`).getByTestId('bot-publish').click()
        await page.getByTestId('publish-url').waitFor()
        assert.equal(await page.getByTestId('publish-url').locator('input').inputValue(), publication.url)
        assert.equal((await page.getByTestId('publish-snippet').innerText()).trim(), publication.embedSnippet)
        await shot(page, '73-publish-dialog-desktop-pt')
        await page.getByTestId('publish-close').click()
      }
      await context.close()
    }
  })

  test('taking the bot offline closes the open conversation, and a new visit is refused', { timeout: 90_000 }, async () => {
    const { page } = visitor
    const frame = await panelFrame(page)
    await api('PUT', `/custom-bots/${bot.key}/public`, { enabled: false, allowedOrigins: [allowedHost.origin] })
    const notice = frame.getByTestId('visitor-notice')
    await notice.waitFor()
    assert.equal(await notice.getAttribute('data-code'), 'unpublished')
    assert.equal(await frame.getByTestId('visitor-composer').count(), 0, 'nothing more to send')
    await shot(page, '74-widget-closed-by-owner-desktop-pt')
    // Nothing in progress any more: the next page of this site opens nothing by itself.
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), `agents-widget:${publication.slug}:active`), null)

    const again = await visitorPage()
    const before = sockets.length
    await again.page.goto(`${allowedHost.origin}/`)
    await again.page.waitForFunction(() => window.__launcher)
    await clickLauncher(again.page)
    await again.page.waitForFunction(() => !window.__widgetRoot.querySelector('.n').hidden, null, { timeout: 15_000 })
    assert.equal(sockets.length, before, 'a new visit never connects')
    await again.context.close()

    const direct = await visitorPage()
    await direct.page.goto(publication.url)
    const refused = direct.page.getByTestId('visitor-notice')
    await refused.waitFor()
    assert.equal(await refused.getAttribute('data-code'), 'agent_offline')
    await shot(direct.page, '75-share-link-offline-desktop-pt')
    await direct.context.close()
    await visitor.context.close()
  })

  test('no frame the visitors received carries the bot’s prompt or its OpenAI key', () => {
    assert.ok(frames.length > 0 && frames.some((f) => f.includes('visitor:session')), `frames were recorded (${frames.length})`)
    for (const frame of frames) {
      assert.ok(!frame.includes('TANGERINE-ZEBRA-4417') && !frame.includes(PROMPT.slice(0, 40)), 'no prompt')
      assert.ok(!frame.includes(BOT_KEY) && !frame.includes('sk-server-key-unused'), 'no key')
    }
    figures['websocket frames checked'] = frames.length
  })
})
