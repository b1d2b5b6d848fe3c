// The person's own pages (My meetings, Tasks, Usage, Account) and the administrators'
// Users page, in Chromium against the built SPA, the real backend with its embedded
// mongod, and a local OpenAI-compatible model server.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import {
  apiUser,
  launchBrowser,
  openAgent,
  sendMessage,
  shot,
  signIn,
  signUp,
  startBackend,
  startModelServer,
  uniqueEmail,
} from './harness.mjs'

const TIMEOUT = 30_000
const REPLY = ['Certo, ', 'anotado ', 'por aqui.']
const ADMIN_EMAIL = uniqueEmail()
const SHOTS_EMAIL = uniqueEmail()
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
let model
let backend
let browser

before(async () => {
  // With auto-create on, the SDR's model files the task itself (`create_task`), then answers.
  const fileTask = (text, body) =>
    /proposta/i.test(text) && body.messages?.at(-1)?.role !== 'tool' && (body.tools ?? []).some((t) => t.function?.name === 'create_task')
  model = await startModelServer({ script: (text, body) => (fileTask(text, body) ? [{ tool: 'create_task', arguments: { title: 'Enviar a proposta' } }] : REPLY), delayMs: 20 })
  backend = await startBackend({
    OPENAI_API_KEY: 'x',
    OPENAI_BASE_URL: model.url,
    ADMIN_EMAILS: `${ADMIN_EMAIL},${SHOTS_EMAIL}`,
    // Every day is a working day, so the booked slot does not depend on today's weekday.
    CALENDAR_WORK_DAYS: '1,2,3,4,5,6,7',
    CALENDAR_WORK_START: '08:00',
    CALENDAR_WORK_END: '20:00',
    // A build of one's own (`vite build --outDir ...`) while others rebuild dist/.
    ...(process.env.E2E_SPA_DIR ? { SPA_DIR: process.env.E2E_SPA_DIR } : {}),
  }, 'pages')
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
  return { context, page }
}

/** A REST call with the page's own session (what the SPA itself would send). */
async function api(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const { accessToken } = JSON.parse(localStorage.getItem('agents.session'))
    const res = await fetch(p, {
      method: m,
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: b === undefined ? undefined : JSON.stringify(b),
    })
    return { status: res.status, body: res.status === 204 ? null : await res.json() }
  }, [method, path, body])
}

/** Polls `check` (async, in Node) until it returns true: page.waitForFunction does not
 * await a predicate's promise, so a fetch in one would pass at once. */
async function eventually(check, what, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Books through the page's own socket, as the slot picker's Confirm does. */
async function book(page, payload) {
  return page.evaluate((p) => window.__agentsSocket.timeout(15_000).emitWithAck('agent:schedule-confirm', p), payload)
}

function daysAhead(days) {
  const day = new Date(Date.now() + days * 86_400_000)
  return day.toISOString().slice(0, 10)
}

async function navigate(page, name) {
  const link = page.getByTestId(`nav-${name}`)
  if (!(await link.isVisible())) await page.getByLabel(/^(Open menu|Abrir menu)$/).click()
  await link.click()
}

/** axe-core's serious and critical findings in the page's own content (the app bar and
 * the drawer are the shell's, checked with the chat). */
async function seriousViolations(page) {
  await page.addScriptTag({ path: axePath })
  const result = await page.evaluate(() => window.axe.run({ include: [['main']] }, { resultTypes: ['violations'] }))
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} ${n.any.map((c) => c.message).join(' ')}`).join(', ')}`)
}

describe('the person’s own pages', () => {
  test('typing /tasks (an API path too) in the address bar shows the Tasks page', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await page.goto(`${backend.url}/tasks`)
    await page.getByTestId('tasks-page').waitFor()
    assert.equal(await page.locator('pre').count(), 0, 'no raw JSON')
    await page.goto(`${backend.url}/usage`)
    await page.getByTestId('usage-page').waitFor()
    // ...while the SPA's own calls to the same path still get JSON.
    const listed = await api(page, 'GET', '/tasks')
    assert.equal(listed.status, 200)
    assert.deepEqual(listed.body.tasks, [])
    // Not an administrator: the Users page sends them home.
    await page.goto(`${backend.url}/admin/users`)
    await page.waitForURL((u) => u.pathname === '/')
    assert.equal(await page.getByTestId('nav-admin-users').count(), 0)
    await context.close()
  })

  test('cancelling a meeting on My meetings frees its slot for another user', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    const day = daysAhead(3)
    const booked = await book(page, { agentKey: 'sdr', contactId: 'lead-meet', date: day, time: '10:00', email: 'cliente@example.com', phone: '' })
    assert.equal(booked.ok, true, JSON.stringify(booked))
    const rival = await apiUser(backend.url)
    const refused = await rival.socket.timeout(15_000).emitWithAck('agent:schedule-confirm', {
      agentKey: 'sdr', contactId: 'rival', date: day, time: '10:00', email: 'rival@example.com', phone: '',
    })
    assert.equal(refused.ok, false, 'the slot is taken while the meeting stands')

    await navigate(page, 'meetings')
    const card = page.getByTestId(`meeting-${booked.event.id}`)
    await card.waitFor()
    assert.match(await card.innerText(), /cliente@example\.com/)
    assert.equal(await card.getByTestId('meeting-conversation').getAttribute('href'), '/chat/sdr/lead-meet')
    assert.deepEqual(await seriousViolations(page), [])
    await card.getByTestId('meeting-cancel').click()
    await page.getByTestId('meeting-cancel-dialog').waitFor()
    await page.getByTestId('meeting-cancel-confirm').click()
    await page.getByTestId('meeting-cancelled-toast').waitFor()
    await page.getByTestId(`past-meeting-${booked.event.id}`).getByTestId('meeting-status-cancelled').waitFor()
    assert.equal(await card.count(), 0)

    const taken = await rival.socket.timeout(15_000).emitWithAck('agent:schedule-confirm', {
      agentKey: 'sdr', contactId: 'rival', date: day, time: '10:00', email: 'rival@example.com', phone: '',
    })
    rival.socket.disconnect()
    assert.equal(taken.ok, true, `another user books the freed slot: ${JSON.stringify(taken)}`)

    // The conversation tells of it, in the person's language.
    await page.getByTestId(`past-meeting-${booked.event.id}`).click()
    await page.waitForURL((u) => u.pathname === '/chat/sdr/lead-meet')
    await page.locator('[data-test="message-system"]', { hasText: 'cancelada' }).waitFor()
    assert.equal(await page.getByTestId('booking-confirmed').count(), 0, 'the chat no longer says booked')
    await context.close()
  })

  test('tasks written on the Tasks page and auto-created in a chat are listed, completed and deleted', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    await openAgent(page, 'sdr')
    await page.getByTestId('auto-create').locator('input').check()
    await eventually(async () => (await api(page, 'GET', '/agents')).body.agents.find((a) => a.key === 'sdr').autoCreate === true, 'auto-create saved')
    await sendMessage(page, 'Preciso enviar a proposta amanhã')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()
    const chatUrl = new URL(page.url()).pathname

    await navigate(page, 'tasks')
    const list = page.getByTestId('task-list')
    const auto = list.locator('[data-test^="task-"]', { hasText: /proposta/i }).first()
    await auto.waitFor()
    assert.equal(await auto.getByTestId('task-conversation').getAttribute('href'), chatUrl === '/chat/sdr' ? '/chat/sdr/default' : chatUrl)

    await page.getByTestId('task-title').locator('input').fill('Ligar para o cliente')
    await page.getByTestId('task-due').locator('input').fill(daysAhead(2))
    await page.getByTestId('task-add').click()
    const manual = list.locator('[data-test^="task-"]', { hasText: 'Ligar para o cliente' }).first()
    await manual.waitFor()
    assert.match(await manual.getByTestId('task-source').innerText(), /Criada por você/)
    assert.deepEqual(await seriousViolations(page), [])
    await shot(page, 'pages-tasks-filled')

    // Complete: it leaves the "open" list and is done on the server.
    // A click, not check(): the box follows the server's answer, and the row leaves the
    // "open" list as soon as that comes (check() would wait for a box that is gone).
    await manual.getByTestId('task-done').locator('input').click()
    await manual.waitFor({ state: 'detached' })
    let stored = (await api(page, 'GET', '/tasks')).body.tasks
    assert.equal(stored.find((t) => t.title === 'Ligar para o cliente').status, 'done')

    // Delete, undo, delete again: only the second one reaches the server.
    await auto.getByTestId('task-delete').click()
    await page.getByTestId('task-undo').click()
    await auto.waitFor()
    await auto.getByTestId('task-delete').click()
    await page.getByTestId('task-deleted').waitFor()
    await eventually(async () => !(await api(page, 'GET', '/tasks')).body.tasks.some((t) => /proposta/i.test(t.title)), 'the task deleted on the server')
    stored = (await api(page, 'GET', '/tasks')).body.tasks
    assert.deepEqual(stored.map((t) => t.title), ['Ligar para o cliente'])
    await context.close()
  })

  test('the usage chart and table show the tokens the model server reported', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url)
    const first = model.requests.length
    await openAgent(page, 'support')
    await sendMessage(page, 'Oi, tudo bem?')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()
    // What the model server reported for this person's calls: streamed replies 12 +
    // one per piece, whole completions (the NLU's, if any) 10 + 5.
    const calls = model.requests.slice(first)
    const prompt = calls.reduce((sum, c) => sum + (c.stream ? 12 : 10), 0)
    const completion = calls.reduce((sum, c) => sum + (c.stream ? REPLY.length : 5), 0)
    assert.ok(calls.some((c) => c.stream))

    await navigate(page, 'usage')
    await page.getByTestId('usage-chart').locator('canvas').waitFor()
    const row = page.getByTestId('usage-row').first()
    assert.equal(await row.getByTestId('usage-model').innerText(), calls[0].model)
    assert.equal(await row.getByTestId('usage-prompt').innerText(), String(prompt))
    assert.equal(await row.getByTestId('usage-completion').innerText(), String(completion))
    assert.equal(await page.getByTestId('total-tokens').innerText(), String(prompt + completion))
    // The chart was given the same numbers (the sum of its bars).
    assert.equal(await page.getByTestId('usage-chart').getAttribute('data-tokens'), String(prompt + completion))
    await shot(page, 'pages-usage-filled')
    await context.close()
  })

  test('Account: rename, switch language, change the password', async () => {
    const { context, page } = await newPage()
    const account = await signUp(page, backend.url)
    await navigate(page, 'account')
    const name = page.getByTestId('account-name').locator('input')
    await name.fill('Ana Maria')
    await page.getByTestId('account-save-name').click()
    await page.getByTestId('account-name-saved').waitFor()
    assert.equal((await api(page, 'GET', '/auth/me')).body.name, 'Ana Maria')

    await page.getByTestId('account-language').click()
    await page.getByRole('option', { name: 'English' }).click()
    await page.getByRole('heading', { name: 'Account' }).waitFor()
    await eventually(async () => (await api(page, 'GET', '/auth/me')).body.preferredLanguage === 'en', 'the language saved on the account')

    await page.getByTestId('password-current').locator('input').fill('wrong-password-1')
    await page.getByTestId('password-next').locator('input').fill('another-horse-7')
    await page.getByTestId('password-change').click()
    await page.getByTestId('password-error').waitFor()
    await page.getByTestId('password-current').locator('input').fill(account.password)
    await page.getByTestId('password-change').click()
    await page.getByTestId('password-changed').waitFor()
    // Still signed in on this tab (fresh tokens), and the socket is back.
    assert.equal((await api(page, 'GET', '/auth/me')).status, 200)
    await page.waitForFunction(() => window.__agentsSocket.connected)

    await page.getByTestId('sign-out').click()
    await page.waitForURL((u) => u.pathname.startsWith('/login'))
    await signIn(page, backend.url, { email: account.email, password: 'another-horse-7' })
    await context.close()
  })

  test('Account: deleting the account needs the typed word and the password, then signs out', async () => {
    const { context, page } = await newPage()
    let account
    try {
      account = await signUp(page, backend.url)
    } catch (error) {
      await shot(page, 'pages-debug-signup')
      throw error
    }
    await page.goto(`${backend.url}/account`)
    await page.getByTestId('account-delete').click()
    const forever = page.getByTestId('delete-forever')
    await page.getByTestId('delete-password').locator('input').fill(account.password)
    assert.equal(await forever.isDisabled(), true)
    await page.getByTestId('delete-confirm-word').locator('input').fill('EXCLUIR')
    await forever.click()
    await page.waitForURL((u) => u.pathname.startsWith('/login'))
    const login = await fetch(`${backend.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: account.email, password: account.password }),
    })
    assert.equal(login.status, 401)
    await context.close()
  })

  test('an administrator grants and revokes the admin role on Users', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url, { email: ADMIN_EMAIL, name: 'Admin Ana' })
    const other = await apiUser(backend.url)
    other.socket.disconnect()
    await navigate(page, 'admin-users')
    const row = page.getByTestId(`user-${other.tokens.user.email}`)
    await row.waitFor()
    await row.getByTestId('user-admin').locator('input').check()
    const asOther = { authorization: `Bearer ${other.tokens.access_token}` }
    const usageStatus = async () => (await fetch(`${backend.url}/admin/usage`, { headers: asOther })).status
    await eventually(async () => (await usageStatus()) === 200, 'granted: the same token reads /admin/usage')
    await row.getByTestId('user-admin').locator('input').uncheck()
    await eventually(async () => (await usageStatus()) === 403, 'revoked: refused at the next request')
    // The last administrator keeps the role: the server's refusal is shown.
    const mine = page.getByTestId(`user-${ADMIN_EMAIL}`)
    await mine.getByTestId('user-admin').locator('input').uncheck()
    await page.getByTestId('page-error').waitFor()
    assert.equal(await mine.getByTestId('user-admin').locator('input').isChecked(), true)
    await shot(page, 'pages-admin-users-last-admin')
    await context.close()
  })
})

describe('screenshots of every page', () => {
  const pages = ['meetings', 'tasks', 'usage', 'account', 'admin/users']
  const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } }

  test('desktop and phone, both languages, light and dark', async () => {
    const { context, page } = await newPage()
    await signUp(page, backend.url, { email: SHOTS_EMAIL, name: 'Bia Costa' })
    // Something on each page: a meeting, tasks, usage.
    await book(page, { agentKey: 'sdr', contactId: 'lead-shot', date: daysAhead(5), time: '15:00', email: 'lead@example.com', phone: '' })
    await api(page, 'POST', '/tasks', { title: 'Enviar contrato assinado', agentKey: 'sdr', dueDate: daysAhead(1) })
    await api(page, 'POST', '/tasks', { title: 'Revisar proposta', dueDate: daysAhead(-2) })
    await openAgent(page, 'support')
    await sendMessage(page, 'Olá')
    await page.locator('[data-test="message-agent"][data-status="sent"]').first().waitFor()
    const session = await page.evaluate(() => localStorage.getItem('agents.session'))
    await context.close()

    for (const [sizeName, viewport] of Object.entries(sizes)) {
      for (const colorScheme of ['light', 'dark']) {
        for (const language of ['pt-BR', 'en']) {
          // A person in Brazil (the calendar's zone), and one in New York, who also sees
          // the calendar's own time of a meeting.
          const timezoneId = language === 'pt-BR' ? 'America/Sao_Paulo' : 'America/New_York'
          const shotContext = await browser.newContext({ viewport, colorScheme, locale: language, timezoneId })
          await shotContext.addInitScript(([s, l]) => {
            localStorage.setItem('agents.session', s)
            localStorage.setItem('agents.locale', l)
          }, [session, language])
          const shotPage = await shotContext.newPage()
          shotPage.setDefaultTimeout(TIMEOUT)
          for (const path of pages) {
            await shotPage.goto(`${backend.url}/${path}`)
            await shotPage.getByTestId(`${path.replace('/', '-')}-page`).waitFor()
            await shotPage.waitForLoadState('networkidle')
            try {
              await shotPage.getByTestId('page-loading').waitFor({ state: 'detached', timeout: 10_000 })
            } catch (error) {
              await shot(shotPage, `pages-debug-${path.replace('/', '-')}-${sizeName}-${language}-${colorScheme}`)
              throw error
            }
            await shot(shotPage, `pages-${path.replace('/', '-')}-${sizeName}-${language}-${colorScheme}`)
          }
          await shotContext.close()
        }
      }
    }
  })
})
