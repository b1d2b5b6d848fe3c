// The team's inbox (issue 15) in Chromium, against the built SPA and a real backend: a
// visitor chats in the widget (on a page of another origin) while the owner watches the
// Inbox live, the agent's reply streaming token by token; the owner takes over mid-stream
// (the reply stops for both), writes as themself (the visitor sees the owner's name), hands
// back (the agent answers the next message), closes (the visitor is told; a new message
// reopens it). A visitor asks for a person: the owner hears it, sees it badged and named.
// The Team page invites a teammate, who works the same inbox and leaves.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { launchBrowser, shot, signIn, startBackend, startModelServer, uniqueEmail } from './harness.mjs'

const TIMEOUT = 30_000
const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 800 }
const HELLO = ['Olá! ', 'Sou a Flora, ', 'posso ', 'ajudar ', 'com ', 'o seu ', 'pedido.']
const FREIGHT = ['O frete ', 'é grátis ', 'acima de ', 'R$ 200.']
/** A long answer, slow enough to take the conversation over in the middle of it. */
const LONG = Array.from({ length: 60 }, (_, i) => `parte${i} `)
const REOPENED = ['Olá de novo! ', 'Estou aqui.']
const ENGLISH = ['Hi! ', 'I am Flora, ', 'how can I help?']
const OWNER_TEXT = 'Olá, aqui é a Dona Flor. Eu mesma vou te ajudar com os prazos.'

let model
let backend
let browser
let host
let owner
let mate
let bot
let publication

function reply(text) {
  if (/prazos/i.test(text)) return LONG
  if (/frete/i.test(text)) return FREIGHT
  if (/ainda/i.test(text)) return REOPENED
  if (/ship|hello|hi\b/i.test(text)) return ENGLISH
  return HELLO
}

async function startHostPage() {
  const server = createServer((req, res) => {
    if (new URL(req.url, 'http://x').pathname !== '/') return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(`<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Loja Girassol</title>
<style>body { margin: 0; padding: 32px; font-family: Georgia, serif; background: #fdf6e3 }</style></head>
<body><h1>Loja Girassol</h1><p>Girassóis, vasos e sementes.</p>${publication.embedSnippet}</body></html>`)
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  return {
    origin: `http://localhost:${server.address().port}`,
    stop: () => new Promise((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  }
}

async function api(method, path, body, token = owner.token) {
  const res = await fetch(`${backend.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'accept-language': 'pt-BR' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

async function register(name, language) {
  const email = uniqueEmail()
  const password = 'correct-horse-9'
  const res = await fetch(`${backend.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, email, password, preferredLanguage: language }),
  })
  assert.equal(res.status, 201, await res.clone().text())
  const tokens = await res.json()
  return { name, email, password, token: tokens.access_token, id: tokens.user.id }
}

/** A signed-in person's SPA, in a language and a size. */
async function teamPage(person, { locale = 'pt-BR', viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ viewport, locale, isMobile: viewport === PHONE, hasTouch: viewport === PHONE })
  await context.addInitScript((l) => localStorage.setItem('agents.locale', l), locale === 'pt-BR' ? 'pt-BR' : 'en')
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  await signIn(page, backend.url, person)
  return { context, page }
}

async function visitorPage({ locale = 'pt-BR', viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ locale, viewport, isMobile: viewport === PHONE, hasTouch: viewport === PHONE })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  return { context, page }
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

async function say(frame, text) {
  const box = frame.getByTestId('visitor-composer').locator('textarea').first()
  await box.fill(text)
  await box.press('Enter')
}

function stored(where, author) {
  return where.locator(`[data-test="message-${author}"][data-status="sent"]:not([data-id=""])`)
}

async function textOf(locator) {
  return (await locator.getByTestId('message-text').innerText()).replace('▍', '').trim()
}

/** The open conversation's row in the owner's list. */
function rowOf(page, id) {
  return page.locator(`[data-test="inbox-conversation"][data-id="${id}"]`)
}

before(async () => {
  model = await startModelServer({ script: reply, delayMs: 110 })
  backend = await startBackend({ OPENAI_API_KEY: 'sk-server-key-unused', OPENAI_BASE_URL: model.url }, 'inbox')
  browser = await launchBrowser()
  owner = await register('Dona Flor', 'pt-BR')
  mate = await register('Bia Souza', 'en')
  const created = await api('POST', '/custom-bots', {
    name: 'Flora',
    emoji: '🌻',
    prompt: 'You are Flora, the sales assistant of Loja Girassol.',
    specialties: ['vendas'],
    schedulingEnabled: true,
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  bot = created.body.bot
  publication = { embedSnippet: '' }
  host = await startHostPage()
  const published = await api('PUT', `/custom-bots/${bot.key}/public`, {
    enabled: true,
    allowedOrigins: [host.origin],
    greeting: 'Olá! Sou a Flora 🌻',
    bookingEnabled: true,
  })
  assert.equal(published.status, 200, JSON.stringify(published.body))
  publication = published.body
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
  await host?.stop()
})

describe('the inbox: watching, taking over, handing back, closing', () => {
  let desk
  let visitor
  let frame
  let conversationId

  test('the owner watches a visitor’s conversation arrive and stream live', { timeout: 120_000 }, async () => {
    desk = await teamPage(owner)
    await desk.page.goto(`${backend.url}/visitors`)
    await desk.page.getByTestId('inbox-list').waitFor()

    visitor = await visitorPage()
    await visitor.page.goto(`${host.origin}/`)
    const { width, height } = visitor.page.viewportSize()
    await visitor.page.waitForTimeout(300)
    await visitor.page.mouse.click(width - 48, height - 48)
    frame = await panelFrame(visitor.page)
    await frame.getByTestId('visitor-greeting').waitFor()
    await say(frame, 'Oi! Vocês entregam em Curitiba?')
    await stored(frame, 'agent').first().waitFor()

    // The row came by itself (no reload), with the visitor's message.
    const row = desk.page.getByTestId('inbox-conversation').first()
    await row.waitFor()
    await row.getByTestId('inbox-row-snippet').getByText('pedido', { exact: false }).waitFor()
    assert.equal(await row.getByTestId('inbox-row-name').innerText(), 'Visitante')
    conversationId = await row.getAttribute('data-id')
    assert.match(conversationId, /^visitor:/)
    assert.equal(await row.getAttribute('data-status'), 'bot')
    await row.click()
    await desk.page.waitForURL((u) => decodeURIComponent(u.pathname).endsWith(conversationId))
    const messages = desk.page.getByTestId('inbox-messages')
    await stored(messages, 'agent').first().waitFor()
    assert.equal(await textOf(stored(messages, 'agent').first()), HELLO.join('').trim())
    assert.equal(await desk.page.getByTestId('inbox-composer').locator('textarea').first().isDisabled(), true, 'no composer before taking over')

    // The next reply streams into the owner's transcript token by token.
    await say(frame, 'Quais são os prazos de entrega?')
    const streaming = messages.locator('[data-test="message-agent"][data-status="streaming"]')
    await streaming.waitFor()
    await desk.page.waitForFunction(() => {
      const el = document.querySelector('[data-test="inbox-messages"] [data-test="message-agent"][data-status="streaming"] [data-test="message-text"]')
      return el && el.textContent.split('parte').length > 3
    })
    const early = await textOf(streaming)
    await desk.page.waitForFunction(
      (n) => {
        const el = document.querySelector('[data-test="inbox-messages"] [data-test="message-agent"][data-status="streaming"] [data-test="message-text"]')
        return el && el.textContent.replace('▍', '').trim().length > n
      },
      early.length,
    )
    await shot(desk.page, '80-inbox-streaming-desktop-pt')
  })

  test('taking over mid-stream stops the agent; the visitor sees the owner write', { timeout: 90_000 }, async () => {
    const { page } = desk
    await page.getByTestId('inbox-take').click()
    await page.locator('[data-test="inbox-status"][data-status="human"]').waitFor()
    assert.match(await page.getByTestId('inbox-status-text').innerText(), /Você está respondendo/)
    // The reply stopped: nothing streams any more, here or for the visitor, and its end never came.
    const messages = page.getByTestId('inbox-messages')
    await page.waitForFunction(() => !document.querySelector('[data-test="inbox-messages"] [data-status="streaming"]'), null, { timeout: 5_000 })
    await frame.waitForFunction(() => !document.querySelector('[data-test="message-agent"][data-status="streaming"]'), null, { timeout: 5_000 })
    const cut = frame.getByTestId('message-agent').last()
    const cutText = await textOf(cut)
    await page.waitForTimeout(2_500)
    assert.equal(await textOf(frame.getByTestId('message-agent').last()), cutText, 'the visitor’s copy of the reply did not grow')
    assert.ok(cutText.includes('parte') && !cutText.includes('parte59'), `the long reply never finished: ${cutText}`)
    assert.ok(!(await messages.innerText()).includes('parte59'))
    // The visitor is told who answers now.
    await frame.locator('[data-test="visitor-status"][data-answering="human"]').waitFor()
    assert.match(await frame.getByTestId('visitor-status').innerText(), /Dona Flor/)
    assert.equal(await frame.getByTestId('visitor-handoff').count(), 0, 'no “talk to a person” while a person answers')

    const composer = page.getByTestId('inbox-composer').locator('textarea').first()
    assert.equal(await composer.isDisabled(), false)
    await composer.fill(OWNER_TEXT)
    await composer.press('Enter')
    await stored(messages, 'human').first().waitFor()
    const human = stored(frame, 'human').first()
    await human.waitFor()
    assert.equal(await textOf(human), OWNER_TEXT)
    assert.equal(await human.getByTestId('message-author').innerText(), 'Dona Flor')
    assert.equal(await human.getByTestId('human-avatar').count(), 1)
    await shot(page, '81-inbox-human-desktop-pt')
    await shot(visitor.page, '90-widget-human-desktop-pt')

    // The visitor answers the person; the agent stays silent.
    const streams = () => model.requests.filter((r) => r.stream).length
    const asked = streams()
    const agentBefore = await stored(frame, 'agent').count()
    await say(frame, 'Obrigado! Pode ser até sexta?')
    await messages.getByText('Pode ser até sexta?').waitFor()
    await page.waitForTimeout(2_000)
    assert.equal(await stored(frame, 'agent').count(), agentBefore, 'the agent did not answer')
    assert.equal(streams(), asked, 'the model was not asked for a reply')
  })

  test('handed back, the agent answers the next message', { timeout: 90_000 }, async () => {
    const { page } = desk
    await page.getByTestId('inbox-hand-back').click()
    await page.locator('[data-test="inbox-status"][data-status="bot"]').waitFor()
    assert.equal(await page.getByTestId('inbox-composer').locator('textarea').first().isDisabled(), true)
    await frame.waitForFunction(() => !document.querySelector('[data-test="visitor-status"][data-answering="human"]'))
    const before = await stored(frame, 'agent').count()
    await say(frame, 'E o frete?')
    await stored(frame, 'agent').nth(before).waitFor()
    assert.equal(await textOf(stored(frame, 'agent').nth(before)), FREIGHT.join('').trim())
    await page.getByTestId('inbox-messages').getByText(FREIGHT.join('').trim()).waitFor()
  })

  test('closed, the visitor is told; their next message reopens it with the agent', { timeout: 90_000 }, async () => {
    const { page } = desk
    const notices = await frame.getByTestId('message-system').count()
    await page.getByTestId('inbox-close').click()
    await page.locator('[data-test="inbox-status"][data-status="closed"]').waitFor()
    await frame.getByTestId('message-system').nth(notices).waitFor()
    assert.equal(await page.getByTestId('inbox-close').isDisabled(), true)
    await shot(visitor.page, '91-widget-closed-desktop-pt')
    const before = await stored(frame, 'agent').count()
    await say(frame, 'Vocês ainda estão aí?')
    await stored(frame, 'agent').nth(before).waitFor()
    assert.equal(await textOf(stored(frame, 'agent').nth(before)), REOPENED.join('').trim())
    await page.locator('[data-test="inbox-status"][data-status="bot"]').waitFor()
    assert.equal(await rowOf(page, conversationId).getAttribute('data-status'), 'bot')
  })

  test('a visitor asks for a person: a chime, a badge, a message with a link', { timeout: 90_000 }, async () => {
    const { page } = desk
    await page.goto(`${backend.url}/visitors`) // the list, nothing open: the badge counts
    await page.getByTestId('inbox-list').waitFor()
    await frame.getByTestId('visitor-handoff').click()
    await frame.locator('[data-test="visitor-status"][data-answering="waiting"]').waitFor()
    assert.match(await frame.getByTestId('visitor-status').innerText(), /Aguardando uma pessoa/)
    assert.equal(await frame.getByTestId('visitor-handoff').count(), 0)
    const alert = page.getByTestId('handoff-alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /pediu para falar com uma pessoa/)
    await page.waitForFunction(() => (window.__beeps ?? 0) >= 1)
    assert.equal((await page.getByTestId('nav-inbox-badge').innerText()).trim(), '1')
    assert.match(await page.title(), /^\(1\) /)
    assert.equal(await rowOf(page, conversationId).getAttribute('data-status'), 'waiting')
    await shot(page, '82-inbox-handoff-desktop-pt')
    await shot(visitor.page, '92-widget-waiting-desktop-pt')
    // Opened, the conversation is read: the server is told a moment later (the next test
    // leaves with a full page load, which would otherwise cut that short).
    const told = page.waitForResponse((r) => r.url().endsWith('/read') && r.request().method() === 'POST')
    await page.getByTestId('handoff-open').click()
    await page.waitForURL((u) => decodeURIComponent(u.pathname).endsWith(conversationId))
    await page.locator('[data-test="inbox-status"][data-status="waiting"]').waitFor()
    await told
  })

  test('unread counts: a message in a conversation not open is badged until opened', { timeout: 60_000 }, async () => {
    const { page } = desk
    await page.goto(`${backend.url}/visitors`)
    await page.getByTestId('inbox-list').waitFor()
    await say(frame, 'Alguém pode me ajudar?')
    const badge = rowOf(page, conversationId).getByTestId('inbox-unread')
    await badge.waitFor()
    assert.equal((await badge.innerText()).trim(), '1')
    await rowOf(page, conversationId).click()
    await badge.waitFor({ state: 'detached' })
    // The server has it read too: a reload shows no badge.
    await page.waitForTimeout(800)
    await page.goto(`${backend.url}/visitors`)
    await rowOf(page, conversationId).waitFor()
    assert.equal(await rowOf(page, conversationId).getByTestId('inbox-unread').count(), 0)

    // Filters: by status (chips) and a search of names, e-mails and messages (the server's).
    await page.getByTestId('inbox-status-closed').click()
    await page.getByTestId('inbox-empty').waitFor()
    await page.getByTestId('inbox-status-waiting').click()
    await rowOf(page, conversationId).waitFor()
    await page.getByTestId('inbox-status-all').click()
    const search = page.getByTestId('inbox-search').locator('input')
    await search.fill('Curitiba')
    await page.waitForResponse((r) => r.url().includes('q=Curitiba'))
    await rowOf(page, conversationId).waitFor()
    await search.fill('zebra-que-nao-existe')
    await page.getByTestId('inbox-empty').waitFor()
    await search.fill('')
    await rowOf(page, conversationId).waitFor()
  })

  test('the team page: the owner invites a teammate, who works the same inbox', { timeout: 120_000 }, async () => {
    const { page } = desk
    await page.getByTestId('nav-team').click()
    await page.getByTestId('team-invite').waitFor()
    await page.getByTestId('team-email').locator('input').fill(mate.email)
    await page.getByTestId('team-invite-submit').click()
    await page.locator(`[data-test="team-member"][data-email="${mate.email}"]`).waitFor()
    await shot(page, '83-team-desktop-pt')

    // The teammate (English, on a phone) sees the owner's conversation, labelled with its team.
    const phone = await teamPage(mate, { locale: 'en-US', viewport: PHONE })
    await phone.page.goto(`${backend.url}/visitors`)
    const row = rowOf(phone.page, conversationId)
    await row.waitFor()
    assert.match(await row.getByTestId('inbox-row-team').innerText(), /Dona Flor/)
    // Waiting for a person: the closed menu says so on a phone, the title everywhere.
    await phone.page.locator('[data-test="menu-badge"] .v-badge__badge').waitFor()
    assert.match(await phone.page.title(), /^\(1\) /)
    await phone.page.waitForTimeout(400) // the badge's entrance
    await shot(phone.page, '84-inbox-list-phone-en')
    await row.click()
    await phone.page.getByTestId('inbox-take').click()
    await phone.page.locator('[data-test="inbox-status"][data-status="human"]').waitFor()
    await phone.page.getByTestId('inbox-composer').locator('textarea').first().fill('Hi, Bia here. How can I help?')
    await phone.page.getByTestId('inbox-send').click()
    await stored(frame, 'human').filter({ hasText: 'Bia here' }).waitFor()
    assert.equal(await stored(frame, 'human').last().getByTestId('message-author').innerText(), 'Bia Souza')
    await shot(phone.page, '85-inbox-conversation-phone-en')

    // The owner sees who holds it; taking it over is not offered, and the server refuses it.
    await page.goto(`${backend.url}/visitors/${encodeURIComponent(conversationId)}`)
    await page.locator('[data-test="inbox-status"][data-status="human"]').waitFor()
    assert.match(await page.getByTestId('inbox-status-text').innerText(), /Bia Souza está respondendo/)
    assert.equal(await page.getByTestId('inbox-take').isDisabled(), true)
    const refused = await api('POST', `/inbox/conversations/${encodeURIComponent(conversationId)}/take`)
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'conversation_taken')

    // A take that races the teammate's (this tab missed the news): the refusal is shown.
    await phone.page.getByTestId('inbox-hand-back').click()
    await page.locator('[data-test="inbox-status"][data-status="bot"]').waitFor()
    await page.evaluate(() => window.__agentsSocket.disconnect())
    const taken = await api('POST', `/inbox/conversations/${encodeURIComponent(conversationId)}/take`, undefined, mate.token)
    assert.equal(taken.status, 200, JSON.stringify(taken.body))
    await page.getByTestId('inbox-take').click()
    const notice = page.getByTestId('inbox-notice')
    await notice.waitFor()
    assert.ok((await notice.innerText()).trim().length > 0)
    await page.locator('[data-test="inbox-status"][data-status="human"]').waitFor()
    assert.deepEqual(
      await Promise.all(['inbox-take', 'inbox-hand-back', 'inbox-close'].map((id) => page.getByTestId(id).isDisabled())),
      [true, true, true],
      'nothing to do on a teammate’s conversation',
    )
    await shot(page, '86-inbox-taken-by-teammate-desktop-pt')
    await page.evaluate(() => window.__agentsSocket.connect())

    // The teammate leaves the team and no longer sees its conversations.
    await phone.page.goto(`${backend.url}/settings/team`)
    await phone.page.getByTestId('team-workspace').waitFor()
    await phone.page.getByTestId('team-workspace').click()
    await phone.page.getByRole('option', { name: /Dona Flor/ }).click()
    await phone.page.getByTestId('team-leave').waitFor()
    await phone.page.getByTestId('team-readonly').waitFor()
    await phone.page.locator('.v-overlay--active .v-select__content').waitFor({ state: 'detached' }).catch(() => undefined)
    await phone.page.waitForTimeout(300)
    await shot(phone.page, '87-team-teammate-phone-en')
    await phone.page.getByTestId('team-leave').click()
    await phone.page.getByTestId('team-confirm-ok').click()
    await phone.page.getByTestId('team-notice').waitFor()
    const after = await api('GET', `/inbox/conversations/${encodeURIComponent(conversationId)}`, undefined, mate.token)
    assert.equal(after.status, 404)
    await phone.context.close()
  })

  test('screenshots: the Inbox and the Team page in both languages, desktop and phone', { timeout: 120_000 }, async () => {
    await desk.context.close()
    for (const [locale, viewport, tag] of [
      ['en-US', DESKTOP, 'desktop-en'],
      ['pt-BR', PHONE, 'phone-pt'],
      ['en-US', PHONE, 'phone-en'],
    ]) {
      const { context, page } = await teamPage(owner, { locale, viewport })
      await page.goto(`${backend.url}/visitors/${encodeURIComponent(conversationId)}`)
      await stored(page.getByTestId('inbox-messages'), 'human').first().waitFor()
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)
      assert.ok(fits, `nothing wider than the screen (${tag})`)
      await shot(page, `88-inbox-conversation-${tag}`)
      if (viewport === PHONE) {
        await page.getByTestId('inbox-details-open').click()
        await page.getByTestId('inbox-details-sheet').getByTestId('inbox-contact').waitFor()
        await page.waitForTimeout(400) // the sheet's transition
        await shot(page, `88b-inbox-details-${tag}`)
        await page.getByTestId('inbox-details-close').click()
        await page.getByTestId('inbox-details-sheet').waitFor({ state: 'detached' })
        await page.getByTestId('inbox-back').click()
        await page.getByTestId('inbox-list').waitFor()
        await shot(page, `88c-inbox-list-${tag}`)
      }
      await page.goto(`${backend.url}/settings/team`)
      await page.locator(`[data-test="team-member"]`).first().waitFor()
      await shot(page, `89-team-${tag}`)
      await context.close()
    }
  })

  test('the widget in English on a phone: the person’s name, the status line', { timeout: 90_000 }, async () => {
    const { context, page } = await visitorPage({ locale: 'en-US', viewport: PHONE })
    await page.goto(publication.url)
    await page.getByTestId('visitor-greeting').waitFor()
    await page.getByTestId('visitor-handoff').waitFor()
    await shot(page, '93-widget-bot-phone-en')
    const box = page.getByTestId('visitor-composer').locator('textarea').first()
    await box.fill('Hello! I want to talk to a human, please')
    await box.press('Enter')
    await page.locator('[data-test="visitor-status"][data-answering="waiting"]').waitFor({ timeout: 15_000 })
    assert.match(await page.getByTestId('visitor-status').innerText(), /Waiting for a person/)
    await shot(page, '94-widget-waiting-phone-en')
    const { body } = await api('GET', '/inbox/conversations?status=waiting')
    const waiting = body.conversations.find((c) => c.id !== conversationId)
    assert.ok(waiting, 'the typed request made a waiting conversation')
    assert.equal((await api('POST', `/inbox/conversations/${encodeURIComponent(waiting.id)}/take`)).status, 200)
    const sent = await api('POST', `/inbox/conversations/${encodeURIComponent(waiting.id)}/messages`, { text: 'Hi! Dona Flor here, the shop owner.' })
    assert.equal(sent.status, 201, JSON.stringify(sent.body))
    assert.equal(sent.body.author, 'human')
    await stored(page, 'human').first().waitFor()
    assert.match(await page.getByTestId('visitor-status').innerText(), /Dona Flor is answering/)
    assert.equal(await page.getByTestId('visitor-handoff').count(), 0)
    await shot(page, '95-widget-human-phone-en')
    await context.close()
    await visitor.context.close()
  })

  test('the widget’s panel with a person answering, in Portuguese on a phone and English on a desktop', { timeout: 90_000 }, async () => {
    for (const [locale, viewport, tag, text, answer] of [
      ['pt-BR', PHONE, 'phone-pt', 'Oi! Tem vaso de cerâmica?', 'Tem sim! Aqui é a Dona Flor.'],
      ['en-US', DESKTOP, 'desktop-en', 'Hello, do you ship to Lisbon?', 'We do! Dona Flor here.'],
    ]) {
      const { context, page } = await visitorPage({ locale, viewport })
      await page.goto(publication.url)
      await page.getByTestId('visitor-greeting').waitFor()
      const box = page.getByTestId('visitor-composer').locator('textarea').first()
      await box.fill(text)
      await box.press('Enter')
      await stored(page, 'agent').first().waitFor()
      const { body } = await api('GET', '/inbox/conversations?limit=1')
      const id = body.conversations[0].id
      assert.equal((await api('POST', `/inbox/conversations/${encodeURIComponent(id)}/take`)).status, 200)
      assert.equal((await api('POST', `/inbox/conversations/${encodeURIComponent(id)}/messages`, { text: answer })).status, 201)
      await stored(page, 'human').first().waitFor()
      await page.locator('[data-test="visitor-status"][data-answering="human"]').waitFor()
      await shot(page, `96-widget-human-${tag}`)
      await context.close()
    }
  })
})
