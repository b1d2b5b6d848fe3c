// A person's conversations live on the server: a fresh browser lists them, rename and
// delete survive a reload, and search finds a message by a stemmed word in Portuguese
// and in English, opening the conversation at that message.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser, openAgent, sendMessage, shot, signIn, signUp, startBackend } from './harness.mjs'

const TIMEOUT = 30_000
const DESKTOP = { width: 1280, height: 800 }
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
let browser
let backend

before(async () => {
  ;[browser, backend] = await Promise.all([launchBrowser(), startBackend()])
})

after(async () => {
  await browser?.close()
  await backend?.stop()
})

async function newPage(locale, options = { viewport: DESKTOP }) {
  const context = await browser.newContext({ locale, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  return { context, page }
}

async function answered(page, count) {
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-test="message-agent"][data-status="sent"]').length >= n,
    count,
  )
}

/** The account's language follows the person's choice in the header menu. */
async function useLanguage(page, locale) {
  await page.getByTestId('language').click()
  await page.getByRole('menuitem').or(page.locator('.v-list-item')).filter({ hasText: locale === 'en' ? 'English' : 'Português' }).first().click()
  await page.waitForFunction((lang) => document.documentElement.lang === lang, locale)
}

/** A dialog at rest (its opening transition over), for a screenshot that shows it. */
async function settled(page, selector) {
  await page.waitForFunction((css) => {
    const el = document.querySelector(css)?.closest('.v-overlay__content')
    return el && getComputedStyle(el).opacity === '1' && el.getAnimations().length === 0
  }, selector)
}

function rows(page) {
  return page.getByTestId('conversation-row')
}

async function titles(page) {
  return page.getByTestId('conversation-title').allInnerTexts()
}

async function search(page, words, expected) {
  const box = page.getByTestId('conversation-search').locator('input')
  await box.fill(words)
  await page.getByTestId('search-result').filter({ hasText: expected }).first().waitFor()
}

async function openResult(page, text) {
  const result = page.getByTestId('search-result').filter({ hasText: text }).first()
  const messageId = await result.getAttribute('data-message-id')
  await result.click()
  await page.waitForURL((u) => u.searchParams.get('message') === messageId)
  const focused = page.locator(`[data-id="${messageId}"][data-focused="true"]`)
  await focused.waitFor()
  assert.ok(await focused.isVisible(), 'the found message is shown, marked')
  return messageId
}

test('conversations are the server’s: listed in a fresh browser, renamed, deleted, searched', async () => {
  // -- one browser writes in three conversations ------------------------------------------
  const first = await newPage('pt-BR')
  const account = await signUp(first.page, backend.url)
  await openAgent(first.page, 'support')
  await sendMessage(first.page, 'Quero agendar uma visita técnica na fábrica')
  await answered(first.page, 1)
  for (const [n, text] of [
    [1, 'We had two meetings about the rollout last week'],
    [1, 'Conversa rápida para apagar depois'],
  ]) {
    await first.page.getByTestId('new-conversation').click()
    await first.page.waitForURL((u) => /\/chat\/support\/c-/.test(u.pathname))
    await sendMessage(first.page, text)
    await answered(first.page, n)
  }
  await rows(first.page).nth(2).waitFor()
  assert.deepEqual(await titles(first.page), [
    'Conversa rápida para apagar depois',
    'We had two meetings about the rollout last week',
    'Quero agendar uma visita técnica na fábrica',
  ])
  await shot(first.page, 'conversations-desktop-pt-BR')
  await first.context.close()

  // -- a fresh browser (new login, nothing stored) lists all three --------------------------
  const fresh = await newPage('en')
  await signIn(fresh.page, backend.url, account)
  await useLanguage(fresh.page, 'en')
  await openAgent(fresh.page, 'support')
  await rows(fresh.page).nth(2).waitFor()
  assert.equal(await rows(fresh.page).count(), 3)

  // rename (dialog) and delete (confirmation), then a reload keeps both
  const visit = rows(fresh.page).filter({ hasText: 'Quero agendar' })
  await visit.getByTestId('conversation-menu').click()
  await fresh.page.getByTestId('conversation-rename').click()
  await fresh.page.getByTestId('rename-input').locator('input').fill('  Visita técnica  ')
  await fresh.page.getByTestId('rename-save').click()
  await rows(fresh.page).filter({ hasText: 'Visita técnica' }).waitFor()
  const doomed = rows(fresh.page).filter({ hasText: 'para apagar' })
  await doomed.getByTestId('conversation-menu').click()
  await fresh.page.getByTestId('conversation-delete').click()
  await fresh.page.getByTestId('delete-dialog').waitFor()
  await settled(fresh.page, '[data-test="delete-dialog"]')
  await shot(fresh.page, 'conversations-delete-desktop-en')
  await fresh.page.getByTestId('delete-confirm').click()
  await doomed.waitFor({ state: 'detached' })
  await fresh.page.reload()
  await rows(fresh.page).nth(1).waitFor()
  assert.deepEqual(await titles(fresh.page), ['We had two meetings about the rollout last week', 'Visita técnica'])

  // search: a Portuguese inflection, then an English one, each opens at its message
  await search(fresh.page, 'agendamento', 'visita técnica')
  const portugueseHit = fresh.page.getByTestId('search-result').filter({ hasText: 'visita técnica' }).first()
  const marked = await portugueseHit.getByTestId('search-match').first().innerText()
  assert.equal(marked.toLowerCase(), 'agendar')
  await shot(fresh.page, 'conversations-search-desktop-en')
  await openResult(fresh.page, 'visita técnica')
  await shot(fresh.page, 'conversations-jump-desktop-en')
  await search(fresh.page, 'meeting', 'rollout')
  const englishHit = fresh.page.getByTestId('search-result').filter({ hasText: 'rollout' }).first()
  assert.equal(await englishHit.getByTestId('search-match').first().innerText(), 'meetings')
  await openResult(fresh.page, 'rollout')
  await fresh.context.close()

  // -- the phone: the list is a sheet, search opens the message in context ----------------
  for (const locale of ['pt-BR', 'en']) {
    const phone = await newPage(locale, PHONE)
    await signIn(phone.page, backend.url, account)
    await phone.page.goto(`${backend.url}/chat/support`)
    await useLanguage(phone.page, locale)
    await phone.page.getByTestId('conversations-open').click()
    await phone.page.getByTestId('conversations-sheet').waitFor()
    await phone.page.getByTestId('conversation-row').nth(1).waitFor()
    await shot(phone.page, `conversations-phone-${locale}`)
    await search(phone.page, locale === 'en' ? 'meeting' : 'agendado', locale === 'en' ? 'rollout' : 'visita técnica')
    await shot(phone.page, `conversations-search-phone-${locale}`)
    await openResult(phone.page, locale === 'en' ? 'rollout' : 'visita técnica')
    await phone.page.locator('.v-overlay--active').waitFor({ state: 'detached' })
    await shot(phone.page, `conversations-jump-phone-${locale}`)
    await phone.context.close()
  }
})
