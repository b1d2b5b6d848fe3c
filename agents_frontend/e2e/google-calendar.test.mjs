// The bots page's Google Calendar card, as an owner sees it on a server without a Google
// OAuth client (the backend's own tests run the consent flow against a local Google):
// the button is there but unavailable, with why; and what Google's round trip ended in
// is told once, after the server's callback redirected the browser back.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { sharedSession, shot, signUp } from './harness.mjs'

const session = sharedSession({ locale: 'pt-BR' })

describe('connecting Google Calendar', () => {
  test('unavailable without an OAuth client, explained; a callback result is shown once', async () => {
    const { context, page } = await session.newPage()
    await signUp(page, session.backend.url)
    await page.getByTestId('nav-bots').click()

    const card = page.getByTestId('google-calendar')
    await card.getByTestId('google-calendar-status').filter({ hasText: 'não está disponível neste servidor' }).waitFor()
    assert.ok(await card.getByTestId('google-calendar-connect').isDisabled(), 'connect is disabled')
    assert.equal(await card.getByTestId('google-calendar-disconnect').count(), 0)
    await shot(page, '50-google-calendar-unavailable')

    // Where the server's callback sends the browser when a consent link was stale.
    await page.goto(`${session.backend.url}/bots?calendar=error&code=google_state_invalid`)
    const result = card.getByTestId('google-calendar-result')
    await result.filter({ hasText: 'inválido ou expirou' }).waitFor()
    await page.waitForURL((url) => !url.search.includes('calendar='))
    await shot(page, '51-google-calendar-callback-error')
    await page.reload()
    await card.getByTestId('google-calendar-status').waitFor()
    assert.equal(await result.count(), 0, 'told once: a reload does not repeat it')
    await context.close()
  })
})
