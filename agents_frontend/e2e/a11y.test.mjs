// Accessibility of the main views, checked by axe-core inside Chromium against the real
// backend: no serious or critical violation on any of them, in the light and the dark
// theme. Adding a view is one line in VIEWS.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { launchBrowser, sendMessage, shot, signUp, startBackend, startModelServer } from './harness.mjs'

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const REPLIED = '[data-test="message-agent"][data-status="sent"]'

/**
 * Each view: its address, and what shows once it is ready (axe reads what is on screen).
 * `prepare` runs first, for a view that needs content (the chat, with messages).
 */
const VIEWS = [
  { name: 'chat', path: '/chat/sdr/default', ready: REPLIED, prepare: (page) => sendMessage(page, 'Olá, quero **saber** mais') },
  { name: 'bots', path: '/bots', ready: '[data-test="new-bot"]' },
  { name: 'meetings', path: '/meetings', ready: 'main' },
  { name: 'tasks', path: '/tasks', ready: 'main' },
]

let model
let backend
let browser

before(async () => {
  model = await startModelServer({ script: () => ['## Resposta\n\n', 'Um **ponto** importante:\n\n', '- item\n', '- `código`\n'], delayMs: 10 })
  backend = await startBackend({ OPENAI_API_KEY: 'x', OPENAI_BASE_URL: model.url })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
})

/** axe's serious and critical findings on the page as it is, one line each. */
async function seriousViolations(page) {
  await page.addScriptTag({ path: AXE })
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] })
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 240)}`) }))
  })
  return found.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.targets.join(' | ')}`)
}

/** Vuetify's transitions (a drawer sliding, a dialog fading) settle before axe reads colours. */
async function settle(page) {
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 400))))
}

for (const colorScheme of ['light', 'dark']) {
  describe(`axe-core finds no serious or critical violation (${colorScheme} theme)`, () => {
    test('login', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pt-BR', colorScheme })
      const page = await context.newPage()
      await page.goto(`${backend.url}/login`)
      await page.getByTestId('auth-submit').waitFor()
      await settle(page)
      const violations = await seriousViolations(page)
      assert.deepEqual(violations, [], violations.join('\n'))
      await context.close()
    })

    test('signed-in views', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pt-BR', colorScheme })
      const page = await context.newPage()
      page.setDefaultTimeout(30_000)
      await signUp(page, backend.url)
      const failures = []
      for (const view of VIEWS) {
        await page.goto(`${backend.url}${view.path}`)
        await page.locator('main').first().waitFor()
        if (view.prepare) {
          await page.getByTestId('composer').locator('textarea').first().waitFor()
          await view.prepare(page)
        }
        await page.locator(view.ready).first().waitFor()
        await page.waitForLoadState('networkidle')
        await settle(page)
        await shot(page, `a11y-${view.name}-${colorScheme}`)
        const violations = await seriousViolations(page)
        if (violations.length) failures.push(`${view.name}:\n  ${violations.join('\n  ')}`)
      }
      assert.deepEqual(failures, [], failures.join('\n'))
      await context.close()
    })
  })
}

describe('keyboard', () => {
  test('focus is visible on the controls a keyboard reaches, and icon buttons have names', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
    const page = await context.newPage()
    await signUp(page, backend.url)
    await page.goto(`${backend.url}/chat/sdr/default`)
    await page.getByTestId('composer').locator('textarea').first().waitFor()
    // Every button shows its name to a screen reader (text, aria-label or title).
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, [role="button"]')]
        .filter((b) => b.offsetParent !== null)
        .filter((b) => !(b.getAttribute('aria-label') || b.getAttribute('title') || b.textContent.trim() || b.getAttribute('aria-labelledby')))
        .map((b) => b.outerHTML.slice(0, 120)),
    )
    assert.deepEqual(unnamed, [])
    // Tabbing through the app bar and the chat header: each stop draws a visible focus ring.
    const invisible = []
    for (let n = 0; n < 12; n += 1) {
      await page.keyboard.press('Tab')
      const focus = await page.evaluate(() => {
        const el = document.activeElement
        if (!el || el === document.body) return null
        const style = getComputedStyle(el)
        const overlay = el.querySelector?.(':scope > .v-btn__overlay, :scope > .v-list-item__overlay')
        const overlayOpacity = overlay ? Number(getComputedStyle(overlay).opacity) : 0
        const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        const field = !!el.closest('.v-field--focused, .v-selection-control--focus-visible')
        return { name: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30) || el.tagName, shown: ring || overlayOpacity > 0 || field }
      })
      if (focus && !focus.shown) invisible.push(focus.name)
    }
    assert.deepEqual(invisible, [], `no visible focus on: ${invisible.join(', ')}`)
    await context.close()
  })
})
