// A Portuguese reader and an English one: the server's own words (built-in agents,
// templates, errors) follow the language the person reads, and a switch is remembered by
// the account, on another browser too.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { sharedSession, shot, signUp, uniqueEmail } from './harness.mjs'

const session = sharedSession()
const newPage = (options) => session.newPage(options)

const supportSubtitle = (page) => page.getByTestId('agent-support').locator('.v-list-item-subtitle')

describe('texts in the reader language', () => {
  test('a wrong password is explained in Portuguese, then in English after a switch', async () => {
    const { context, page } = await newPage({ locale: 'pt-BR' })
    await page.goto(`${session.backend.url}/login`)
    await page.getByLabel(/^E-mail$/).fill(uniqueEmail())
    await page.getByLabel(/^Senha$/).fill('not-the-password')
    await page.getByTestId('auth-submit').click()
    await page.getByRole('alert').filter({ hasText: 'E-mail ou senha incorretos.' }).waitFor()
    await shot(page, '20-login-error-pt')

    await page.getByTestId('language').click()
    await page.getByRole('option', { name: 'English' }).or(page.getByText('English', { exact: true })).first().click()
    await page.getByTestId('auth-submit').click()
    await page.getByRole('alert').filter({ hasText: 'Incorrect e-mail or password.' }).waitFor()
    await context.close()
  })

  test('built-in agents and templates in Portuguese; a switch to English is kept by the account', async () => {
    const { context, page } = await newPage({ locale: 'pt-BR' })
    const account = await signUp(page, session.backend.url)
    await supportSubtitle(page).filter({ hasText: 'resolução de problemas' }).waitFor()
    await shot(page, '21-agents-pt')

    await page.getByTestId('nav-bots').click()
    const sdrTemplate = page.getByTestId('template-sdr')
    await sdrTemplate.filter({ hasText: 'Qualifica leads e oferece uma reunião com vendas.' }).waitFor()
    await sdrTemplate.getByTestId('template-use').click()
    const prompt = await page.getByLabel(/Instruções/).inputValue()
    assert.match(prompt, /^Você é um representante de desenvolvimento de vendas/)
    await page.waitForTimeout(400) // the dialog's fade-in, for the screenshot
    await shot(page, '22-template-form-pt')
    await page.getByRole('button', { name: 'Cancelar' }).click()

    await page.getByTestId('language').click()
    await page.getByText('English', { exact: true }).first().click()
    await page.getByTestId('template-sdr').filter({ hasText: 'Qualifies leads and offers a meeting with sales.' }).waitFor()
    await context.close()

    // Another browser, in Portuguese, that never chose: the account's choice wins.
    const phone = await newPage({ locale: 'pt-BR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    await phone.page.goto(`${session.backend.url}/login`)
    await phone.page.getByLabel(/^E-mail$/).fill(account.email)
    await phone.page.getByLabel(/^(Password|Senha)$/).fill(account.password)
    await phone.page.getByTestId('auth-submit').click()
    await phone.page.waitForURL((u) => !u.pathname.startsWith('/login'))
    await phone.page.getByRole('button', { name: 'Open menu' }).click()
    await supportSubtitle(phone.page).filter({ hasText: 'troubleshooting' }).waitFor()
    assert.equal(await phone.page.evaluate(() => document.documentElement.lang), 'en')
    await phone.page.waitForTimeout(400) // the drawer's slide, for the screenshot
    await shot(phone.page, '23-phone-agents-en-from-account')
    await phone.context.close()
  })
})
